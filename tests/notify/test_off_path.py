"""Notifications stay off the trading path: apprise runs in the courier process, never in
the daemon, and a channel that never answers holds no order of any bot."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec, RiskLimits
from plutarc.notify.sender import Sender
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess
from tests.daemon.test_paper_parity import wait_replayed
from tests.notify.conftest import Webhook, add_channel, overview, settings, start_bot

HUNG_S = 120  # apprise's own read timeout (rto) and the daemon's: the delivery stays hung


@dataclass
class Hang:
    """A TCP server that accepts a connection and never answers it."""

    port: int
    connected: asyncio.Event

    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook?rto={HUNG_S}"


@pytest.fixture
async def hang() -> AsyncIterator[Hang]:
    connected = asyncio.Event()

    async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield Hang(server.sockets[0].getsockname()[1], connected)
    server.close()


PROC = Path("/proc")
pytestmark = pytest.mark.skipif(not (PROC / "net" / "tcp").exists(),
                                reason="reads sockets and child processes from Linux's /proc")


def _family(pid: int) -> list[int]:
    """``pid`` and its children, grandchildren..."""
    out, todo = [], [pid]
    while todo:
        out.append(todo.pop())
        for task in (PROC / str(out[-1]) / "task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in task.read_text().split()]
    return out


def holders(pid: int, port: int) -> set[int]:
    """The processes, ``pid`` and its descendants, holding a TCP connection to ``port``."""
    inodes = set()  # sockets connected to 127.0.0.1:port (/proc/net/tcp: hex ip:port)
    for line in (PROC / "net" / "tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[2] == f"0100007F:{port:04X}":
            inodes.add(f"socket:[{fields[9]}]")
    found = set()
    for member in _family(pid):
        with contextlib.suppress(OSError):
            fds = list((PROC / str(member) / "fd").iterdir())
            if any(_link(fd) in inodes for fd in fds):
                found.add(member)
    return found


def _link(fd: Path) -> str:
    try:
        return os.readlink(fd)
    except OSError:
        return ""


async def test_a_hung_channel_ties_up_the_courier_not_the_daemon_and_bots_still_trade(
        daemon: DaemonProcess, hang: Hang):
    assert daemon.proc is not None
    async with daemon.client(timeout_s=30) as client:
        await settings(client, timeout_s=HUNG_S)
        await add_channel(client, "stuck", hang.url())
        await start_bot(client, "stuckboom", "crashy")  # its error goes to the hung channel
        await asyncio.wait_for(hang.connected.wait(), 30)

        held_by = holders(daemon.proc.pid, hang.port)
        assert held_by and daemon.proc.pid not in held_by  # the courier holds it

        await client.put_template(TEMPLATE_NAME, TEMPLATE)
        bot = await client.create_bot(BotSpec(
            name="trader", template=TEMPLATE_NAME, venue="sim", mode="paper",
            symbols=("BTCUSDT",), account="speed=max;bars=400",
            risk=RiskLimits(max_leverage=Decimal(10))), start=True)
        await wait_replayed(client, [bot.id], 60.0)

        assert await client.orders(bot=bot.id)  # placed while the channel hung
        status = (await overview(client)).channels[0]
        assert status.channel.name == "stuck" and status.pending == 1  # still not delivered
        assert holders(daemon.proc.pid, hang.port) == held_by  # the same delivery, still hung


async def test_the_courier_delivers_past_a_hung_channel_and_answers_for_both(
        webhook: Webhook, hang: Hang):
    sender = Sender()
    try:
        hung = asyncio.ensure_future(sender.send(hang.url(), "t", "stuck", "info", 5.0))
        await asyncio.wait_for(hang.connected.wait(), 30)
        assert await sender.send(webhook.url(), "title", "body", "warning", 30.0) is None
        assert await hung == "no answer within 5 s"
        assert [m["message"] for m in webhook.received] == ["body"]
        assert webhook.received[0]["type"] == "warning"
        assert await sender.understood(webhook.url())
        assert not await sender.understood("nosuchservice://abc")
    finally:
        await sender.close()
    assert sender.pid is None


async def test_a_courier_that_died_is_started_again_with_the_next_message(webhook: Webhook):
    sender = Sender()
    try:
        assert await sender.send(webhook.url(), "t", "first", "info", 30.0) is None
        first = sender.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        # the death may be noticed by this message (it fails) or before it (it goes out)
        reason = await sender.send(webhook.url(), "t", "second", "info", 30.0)
        if reason is not None:
            assert "courier" in reason
            assert await sender.send(webhook.url(), "t", "second", "info", 30.0) is None
        assert sender.pid not in (None, first)
    finally:
        await sender.close()
    assert [m["message"] for m in webhook.received] == ["first", "second"]
