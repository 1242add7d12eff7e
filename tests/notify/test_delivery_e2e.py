"""Through a real daemon: e-mail over a local SMTP server, a flapping outage folded into a
few messages, and a failing channel that warns once and keeps its queue across a restart."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import socket
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from plutarc.daemon.api.notify_routes import SummaryResponse
from plutarc.models.events import EventKind
from tests.daemon.conftest import DaemonProcess
from tests.notify.conftest import Webhook, add_channel, overview, settings, start_bot


class Inbox:
    def __init__(self) -> None:
        self.mails: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        self.mails.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:  # aiosmtpd's controller needs its port up front
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def until(predicate, timeout_s: float = 30.0) -> None:  # noqa: ANN001
    async def poll() -> None:
        while not await predicate():
            await asyncio.sleep(0.1)

    await asyncio.wait_for(poll(), timeout_s)


async def test_an_errored_bot_arrives_by_email(daemon: DaemonProcess,
                                               smtp: tuple[Inbox, int]):
    inbox, port = smtp
    async with daemon.client() as client:
        await add_channel(client, "mail", f"mailto://127.0.0.1:{port}?from=plutarc@example.com"
                          "&to=trader@example.com&mode=insecure")
        await start_bot(client, "mailboom", "crashy")

        async def arrived() -> bool:
            return bool(inbox.mails)

        await until(arrived)
    mail = message_from_bytes(inbox.mails[0])
    assert "mailboom" in mail["Subject"] and "errored" in mail["Subject"]
    assert mail["To"] == "trader@example.com"
    text = inbox.mails[0].decode(errors="replace")
    assert "plutarc bot show mailboom" in text


def _repeats(message: str) -> int:
    found = re.search(r"repeated: (\d+) more", message)
    return int(found[1]) if found else 0


async def test_a_flapping_outage_sends_a_few_messages_with_counts(daemon: DaemonProcess,
                                                                   webhook: Webhook):
    async with daemon.client() as client:
        await settings(client, dedup_window_s=5, max_per_hour=3)
        await add_channel(client, "phone", webhook.url())
        await start_bot(client, "flapper", "flappy")  # 100 outages, 100 recoveries

        async def all_counted() -> bool:  # the first message + the repeats folded
            flaps = [m for m in webhook.received if "flapper" in m["title"]]
            return len(flaps) + sum(_repeats(m["message"]) for m in flaps) >= 200

        await until(all_counted, 60)
    flaps = [m for m in webhook.received if "flapper" in m["title"]]
    assert 2 <= len(flaps) <= 3  # the configured max_per_hour
    assert "venue unreachable" in flaps[0]["title"]
    assert "'plutarc ops health'" in flaps[0]["message"]
    assert "x venue recovered" in flaps[-1]["message"]


async def test_a_failing_channel_warns_once_and_its_queue_survives_a_restart(
        daemon: DaemonProcess, webhook: Webhook):
    webhook.status = 500
    async with daemon.client() as client:
        await add_channel(client, "down", webhook.url())
        await start_bot(client, "lost", "crashy")
        await webhook.wait(2, timeout_s=60)  # the first attempt and one retry, both refused

        warnings = [e for e in await client.events(kinds=[EventKind.HEALTH], limit=100)
                    if e.data.get("notify_channel") == "down"]
        assert len(warnings) == 1, warnings
        assert warnings[0].severity == "warning"
        assert "messages wait in its queue" in warnings[0].message
        status = (await overview(client)).channels[0]
        assert status.pending == 1 and status.failing
    assert await asyncio.to_thread(daemon.signal, signal.SIGTERM) == 0

    webhook.status = 200
    refused = len(webhook.received)
    await asyncio.to_thread(daemon.start)  # its own event loop, in a thread
    got = (await webhook.wait(refused + 2, timeout_s=60))[refused:]  # queued, then news
    assert "lost" in got[0]["title"] and "errored" in got[0]["title"]
    assert "daemon started" in got[1]["title"] and "'plutarc bot list'" in got[1]["message"]
    async with daemon.client() as client:
        async def drained() -> bool:
            return (await overview(client)).channels[0].pending == 0

        await until(drained)


async def test_the_daily_summary_names_each_bot_with_its_trades_and_pnl(
        daemon: DaemonProcess, webhook: Webhook):
    async with daemon.client() as client:
        await add_channel(client, "phone", webhook.url())
        await start_bot(client, "summer", "idle")
        got = await client.request("POST", "/v1/notify/summary", SummaryResponse)
        assert got.queued == 1
        [message] = [m for m in await webhook.wait(1) if "daily summary" in m["title"]]
    assert message["message"].startswith("last 24 h: 0 trades, closed PnL +0.00")
    assert "summer (online): 0 trades, PnL +0.00" in message["message"]
    assert "'plutarc pnl'" in message["message"]


async def test_a_channel_that_never_answers_does_not_hold_the_daemon_s_shutdown(
        daemon: DaemonProcess):
    connected = asyncio.Event()

    async def hang(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()  # accepts, never answers
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with daemon.client() as client:
        await settings(client, timeout_s=120)
        await add_channel(client, "stuck", f"json://127.0.0.1:{port}/hook")
        await start_bot(client, "stuckboom", "crashy")
        await asyncio.wait_for(connected.wait(), 30)
    # a delivery is in flight and would wait 120 s: the daemon still stops at once
    assert await asyncio.to_thread(daemon.signal, signal.SIGTERM, 10.0) == 0
    server.close()
