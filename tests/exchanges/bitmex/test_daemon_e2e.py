"""A real daemon process runs a BitMEX testnet bot against the local BitMEX server.

The bot enters and exits positions on replayed real candles; its stored trades match the
server's fills; the websockets are killed mid-trade and the daemon is SIGKILLed mid-trade
and restarted, and the server still holds each client order id exactly once.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.lifecycle import BotState
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.exchanges.bitmex_sim.config import EXAMPLE_API_KEY, EXAMPLE_API_SECRET
from plutarc.models.events import EventKind, Severity
from tests.daemon.conftest import DaemonProcess, short_home
from tests.daemon.live.conftest import QUICK_TEMPLATE
from tests.exchanges.bitmex.conftest import sim_config

ADAPTER_SETTINGS = {"ws_reconnect_initial_s": 0.1, "ws_reconnect_max_s": 0.5,
                    "order_timeout_s": 3.0, "dead_man_timeout_ms": 20_000,
                    "dead_man_refresh_s": 2.0, "rest_fallback_poll_s": 0.5}


class ServerThread:
    """The local BitMEX server on its own event loop, driven from the (synchronous) test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: SimServer = self.call(lambda: SimServer(sim_config(warmup_bars=300)).start())

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the server's loop (awaiting it when it returns a coroutine)."""
        async def run() -> Any:
            value = fn()
            return await value if asyncio.iscoroutine(value) else value

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def close(self) -> None:
        self.call(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def venue(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerThread]:
    srv = ServerThread()
    monkeypatch.setenv("PLUTARC_BITMEX_URL", srv.server.base_url)
    monkeypatch.setenv("PLUTARC_BITMEX_KEY", EXAMPLE_API_KEY)
    monkeypatch.setenv("PLUTARC_BITMEX_SECRET", EXAMPLE_API_SECRET)
    monkeypatch.setenv("PLUTARC_BITMEX_CONFIG", json.dumps(ADAPTER_SETTINGS))
    yield srv
    srv.close()


@pytest.fixture
def daemon_home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run(coro_fn: Callable[..., Any], daemon: DaemonProcess, *args: Any) -> Any:
    async def go() -> Any:
        async with daemon.client() as client:
            return await coro_fn(client, *args)

    return asyncio.run(go())


async def wait(client, check: Callable[..., Any], timeout_s: float = 15.0) -> Any:  # noqa: ANN001
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await check(client)
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            events = await client.events(limit=15)
            raise AssertionError("condition not met; last events:\n" +
                                 "\n".join(e.message for e in events))
        await asyncio.sleep(0.05)


class Scenario:
    def __init__(self, venue: ServerThread, home: Path) -> None:
        self.venue = venue
        self.daemon = DaemonProcess(home).start()
        self.bot_id = ""

    def step(self) -> None:
        """Close one bar at the server and wait until the bot has decided on it."""
        now = self.venue.call(lambda: (self.venue.server.advance(1),
                                       self.venue.server.exchange.now_ms)[1])

        async def decided(client) -> bool:  # noqa: ANN001
            latest = await client.decisions(bot=self.bot_id, limit=1)
            return bool(latest) and latest[-1].ts_ms >= now

        run(lambda c: wait(c, decided), self.daemon)

    def position(self) -> Decimal:
        async def get(client) -> Decimal:  # noqa: ANN001
            rows = await client.positions(bot=self.bot_id)
            return rows[0].qty if rows else Decimal(0)

        return run(get, self.daemon)

    def step_until(self, what: Callable[[], bool], bars: int = 60) -> None:
        for _ in range(bars):
            self.step()
            if what():
                return
        raise AssertionError(f"not reached within {bars} bars")

    def trades(self) -> list:
        return run(lambda c: c.trades(bot=self.bot_id, limit=100), self.daemon)

    def until_online(self) -> None:
        async def online(client) -> bool:  # noqa: ANN001
            return (await client.get_bot(self.bot_id)).state is BotState.ONLINE

        run(lambda c: wait(c, online, 20), self.daemon)


def test_a_testnet_bot_trades_survives_dropped_sockets_and_a_sigkill_without_duplicates(
        venue: ServerThread, daemon_home: Path) -> None:
    home = daemon_home
    s = Scenario(venue, home)
    try:
        async def create(client) -> str:  # noqa: ANN001
            await client.put_template("quick_cross", QUICK_TEMPLATE)
            spec = BotSpec(name="mex", template="quick_cross", venue="bitmex", mode="testnet",
                           account="main", symbols=("BTCUSD",))
            return (await client.create_bot(spec, start=True)).id

        s.bot_id = run(create, s.daemon)
        s.until_online()
        assert venue.call(lambda: venue.server.dead_man_armed)  # kept armed while running

        # trade 1: the websockets die while the position is open
        s.step_until(lambda: s.position() != 0)
        dropped = venue.call(venue.server.hub.drop_all)
        assert dropped >= 2  # public and private
        s.step_until(lambda: len(s.trades()) >= 1)

        # trade 2: the daemon is SIGKILLed while the position is open, the bar closes
        # without it, and the restarted daemon takes over from its journal
        s.step_until(lambda: s.position() != 0)
        s.daemon.signal(signal.SIGKILL)
        venue.call(lambda: venue.server.advance(1))
        s.daemon = DaemonProcess(home).start()
        s.until_online()
        s.step_until(lambda: len(s.trades()) >= 2, bars=10)

        server = venue.server
        accepted = venue.call(lambda: dict(server.exchange.accepted_orders))
        executions = venue.call(lambda: [dict(r) for r in server.exchange.executions
                                         if r["execType"] == "Trade"])
        orders = run(lambda c: c.orders(bot=s.bot_id, limit=200), s.daemon)
        fills = run(lambda c: c.fills(bot=s.bot_id, limit=200), s.daemon)
        assert accepted and all(n == 1 for n in accepted.values())  # each clOrdID once
        assert {o.client_id for o in orders if o.acked_ms} <= set(accepted)
        ours = {r["execID"]: r for r in executions if r["clOrdID"] in accepted}
        assert sorted(f.fill_id for f in fills) == sorted(ours)  # every fill once, none missed
        for f in fills:
            assert f.price == Decimal(str(ours[f.fill_id]["lastPx"]))
            assert f.qty == Decimal(str(ours[f.fill_id]["lastQty"]))
        for trade in s.trades()[:2]:
            entry = next(f for f in fills if f.ts_ms == trade.entry_ts_ms and f.tag == "entry")
            exit_ = next(f for f in fills if f.ts_ms == trade.exit_ts_ms and f.tag != "entry")
            assert (trade.entry_price, trade.exit_price) == (entry.price, exit_.price)
            assert trade.qty == entry.qty == exit_.qty

        async def report(client) -> tuple[Any, list]:  # noqa: ANN001
            return (await client.latency(s.bot_id),
                    await client.events(bot=s.bot_id, kinds=[EventKind.ACTIVITY], limit=200))

        latency, activity = run(report, s.daemon)
        assert latency.running
        rtt = next(x for x in latency.stats if x.name == "rest_order_rtt_ms")
        assert rtt.count >= 1 and rtt.p50 is not None and rtt.p99 >= rtt.p50
        assert any(x.name.startswith("ws_age_ms:") and x.count for x in latency.stats)
        assert any("rebuilt from" in e.message for e in activity)
        assert any("dead man's switch armed" in e.message for e in activity)
        for family in ("market", "account"):  # the dropped sockets were told, not silent
            told = [e for e in activity if e.message.startswith(f"bitmex {family} socket d")]
            assert told and told[0].severity is Severity.WARNING, [e.message for e in activity]
    finally:
        s.daemon.kill()
