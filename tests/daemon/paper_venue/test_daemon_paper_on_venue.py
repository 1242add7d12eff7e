"""A real daemon process runs a BitMEX paper bot on the local server's public data.

The bot trades on its local sim (the server never sees an order or a signed request); the
daemon is SIGKILLed while the bot holds a position protected by a resting stop, the market
moves on, and the restarted daemon rebuilds the sim: position and stop are back (no ALERT,
nothing placed twice) and that very stop later closes the trade.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.lifecycle import BotState
from plutarc.models.events import EventKind
from tests.daemon.conftest import DaemonProcess, short_home
from tests.daemon.paper_venue.conftest import STOP_ONLY_TEMPLATE
from tests.exchanges.bitmex.test_daemon_e2e import ServerThread, wait


@pytest.fixture
def venue(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerThread]:
    srv = ServerThread()
    monkeypatch.setenv("PLUTARC_BITMEX_URL", srv.server.base_url)
    monkeypatch.setenv("PLUTARC_BITMEX_CONFIG", json.dumps({"ws_reconnect_initial_s": 0.1,
                                                            "ws_reconnect_max_s": 0.5}))
    monkeypatch.delenv("PLUTARC_BITMEX_KEY", raising=False)  # paper needs no key
    monkeypatch.delenv("PLUTARC_BITMEX_SECRET", raising=False)
    yield srv
    srv.close()


@pytest.fixture
def home() -> Iterator[Path]:
    path = short_home()
    yield path
    shutil.rmtree(path, ignore_errors=True)


class PaperScenario:
    def __init__(self, venue: ServerThread, home: Path) -> None:
        self.venue = venue
        self.home = home
        self.daemon = DaemonProcess(home).start()
        self.bot_id = ""

    def run(self, fn: Callable[..., Any]) -> Any:
        async def go() -> Any:
            async with self.daemon.client() as client:
                return await fn(client)

        return asyncio.run(go())

    def restart(self) -> None:
        self.daemon = DaemonProcess(self.home).start()

    def next_bar(self) -> tuple[float, float]:
        """(high, low) of the bar the server closes next."""
        def peek() -> tuple[float, float]:
            market = self.venue.server.exchange.venues["XBTUSD"].market
            return float(market.high[market.cursor]), float(market.low[market.cursor])

        return self.venue.call(peek)

    def advance(self, bars: int = 1) -> int:
        return self.venue.call(lambda: (self.venue.server.advance(bars),
                                        self.venue.server.exchange.now_ms)[1])

    def step(self) -> None:
        """Close one bar and wait until the bot has decided on it."""
        now = self.advance()

        async def decided(client) -> bool:  # noqa: ANN001
            latest = await client.decisions(bot=self.bot_id, limit=1)
            return bool(latest) and latest[-1].ts_ms >= now

        self.run(lambda c: wait(c, decided))

    def until_online(self) -> None:
        async def online(client) -> bool:  # noqa: ANN001
            return (await client.get_bot(self.bot_id)).state is BotState.ONLINE

        self.run(lambda c: wait(c, online, 30))

    def orders(self) -> list:
        return self.run(lambda c: c.orders(bot=self.bot_id, limit=100))


def _reaches(stop, high: float, low: float) -> bool:  # noqa: ANN001 - OrderRecord
    price = float(stop.stop_price)
    return high >= price if stop.side == "buy" else low <= price


def test_a_bitmex_paper_bot_in_a_daemon_survives_a_sigkill_with_its_stop(
        venue: ServerThread, home: Path) -> None:
    sc = PaperScenario(venue, home)
    try:
        async def create(client) -> str:  # noqa: ANN001
            await client.put_template("stop_only", STOP_ONLY_TEMPLATE)
            spec = BotSpec(name="paper-btc", template="stop_only", venue="bitmex",
                           mode="paper", symbols=("BTCUSD",))
            return (await client.create_bot(spec, start=True)).id

        sc.bot_id = sc.run(create)
        sc.until_online()
        stop = None
        for _ in range(60):
            sc.step()
            stop = next((o for o in sc.orders() if o.tag == "stop" and o.status == "new"), None)
            if stop is not None and not _reaches(stop, *sc.next_bar()):
                break
            stop = None
        assert stop is not None, "no position with a resting stop"
        fills_before = sc.run(lambda c: c.fills(bot=sc.bot_id))
        sc.daemon.kill()  # SIGKILL: the sim dies with the process
        for _ in range(3):  # the market moves on, short of the stop
            if _reaches(stop, *sc.next_bar()):
                break
            sc.advance()
        sc.restart()
        sc.until_online()
        events = sc.run(lambda c: c.events(bot=sc.bot_id, limit=500))
        messages = [e.message for e in events]
        assert any("paper venue rebuilt: 1 fills booked, 1 resting orders placed again" in m
                   for m in messages), messages[-15:]
        assert not [e for e in events if e.kind is EventKind.ALERT]
        position = sc.run(lambda c: c.positions(bot=sc.bot_id))[0]
        assert position.qty != 0  # still in the trade, as the bot knows it and the sim holds it
        for _ in range(300):  # the restored stop, not a new one, closes the trade
            sc.step()
            if sc.run(lambda c: c.trades(bot=sc.bot_id)):
                break
        fills = sc.run(lambda c: c.fills(bot=sc.bot_id))
        assert [f.client_id for f in fills] == [f.client_id for f in fills_before] + [
            stop.client_id]
        orders = sc.orders()
        assert [o.tag for o in orders] == ["entry", "stop"]  # nothing sent twice
        assert {o.status for o in orders} == {"filled"}
        events = sc.run(lambda c: c.events(bot=sc.bot_id, kinds=[EventKind.ALERT]))
        assert not events
    finally:
        sc.daemon.kill()
    server = venue.server
    assert not server.exchange.accepted_orders
    assert all(method == "GET" for method, _, _ in server.rest.requests)
