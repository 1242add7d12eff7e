"""A real daemon process runs a BitMEX paper bot on the local server's public data (funding
at 04:00/12:00/20:00 UTC at the server's published rate): the sim charges funding while the
bot holds its position, the daemon is SIGKILLed after a funding time was paid, restarted,
and the trade's record, once it closes, carries every payment of its life once each; the
payments are kept per funding time (none twice, none lost) and booked into the rebuilt sim.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import BotSpec
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import QUICK_TEMPLATE
from tests.daemon.paper_venue.test_daemon_paper_on_venue import PaperScenario, home
from tests.exchanges.bitmex.conftest import sim_config
from tests.exchanges.bitmex.test_daemon_e2e import ServerThread

__all__ = ["home"]  # the fixture, shared with the SIGKILL test of the stop

MINUTE = 60_000
HOUR = 60 * MINUTE
HOLD_BARS = 700  # the trade outlives the next funding time (at most 480 bars away)
# In on the first cross, out only by its time stop: a wide stop, opposite signals ignored.
HOLD_TEMPLATE = (QUICK_TEMPLATE.replace('name = "quick_cross"', 'name = "hold"')
                 .replace('on_opposite_signal = "exit"', 'on_opposite_signal = "ignore"')
                 .replace("stop_pct = 2.0", "stop_pct = 50.0")
                 .replace("max_bars = 3", f"max_bars = {HOLD_BARS}"))


class DayServer(ServerThread):
    """The local BitMEX server with a day of history: three funding times before the bot
    starts, enough for the paper venue to read the schedule from the stamps."""

    def __init__(self) -> None:  # noqa: D107 - ServerThread's, with 1,440 warm-up bars
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self.call(lambda: SimServer(sim_config(warmup_bars=1440)).start())


@pytest.fixture
def venue(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerThread]:
    srv = DayServer()
    monkeypatch.setenv("PLUTARC_BITMEX_URL", srv.server.base_url)
    monkeypatch.setenv("PLUTARC_BITMEX_CONFIG", json.dumps({"ws_reconnect_initial_s": 0.1,
                                                            "ws_reconnect_max_s": 0.5}))
    monkeypatch.delenv("PLUTARC_BITMEX_KEY", raising=False)  # paper needs no key
    monkeypatch.delenv("PLUTARC_BITMEX_SECRET", raising=False)
    yield srv
    srv.close()


def funding_times(a_ms: int, b_ms: int) -> list[int]:
    """BitMEX's funding times (04:00, 12:00, 20:00 UTC) in [a_ms, b_ms)."""
    first = -(-(a_ms - 4 * HOUR) // (8 * HOUR)) * 8 * HOUR + 4 * HOUR
    return list(range(first, b_ms, 8 * HOUR))


def stored(sc: PaperScenario) -> list[sqlite3.Row]:
    db = sqlite3.connect(f"file:{sc.home / 'data' / 'plutarc.db'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM paper_funding WHERE bot_id = ? ORDER BY ts_ms",
                          (sc.bot_id,)).fetchall()
    finally:
        db.close()


def test_paper_funding_is_on_the_trade_record_and_survives_a_sigkill(
        venue: ServerThread, home: Path) -> None:
    sc = PaperScenario(venue, home)
    try:
        async def create(client) -> str:  # noqa: ANN001
            await client.put_template("hold", HOLD_TEMPLATE)
            spec = BotSpec(name="paper-funding", template="hold", venue="bitmex",
                           mode="paper", symbols=("BTCUSD",))
            return (await client.create_bot(spec, start=True)).id

        sc.bot_id = sc.run(create)
        sc.until_online()
        for _ in range(120):  # in on the first cross
            sc.step()
            if sc.run(lambda c: c.positions(bot=sc.bot_id)):
                break
        entry = sc.run(lambda c: c.fills(bot=sc.bot_id))
        assert len(entry) == 1, "no entry"
        held_from = entry[0].ts_ms - entry[0].ts_ms % MINUTE + MINUTE  # after the entry bar
        now = venue.call(lambda: venue.server.exchange.now_ms)
        first = funding_times(now, now + 8 * HOUR + MINUTE)[0]
        if (first + MINUTE - now) // MINUTE > 1:
            sc.advance((first + MINUTE - now) // MINUTE - 1)
        sc.step()  # the bar holding the funding time closed and was decided on
        paid = stored(sc)
        assert [r["ts_ms"] for r in paid] == funding_times(held_from, first + 1)
        position = sc.run(lambda c: c.positions(bot=sc.bot_id))[0]
        for row in paid:  # inverse XBTUSD: qty USD / open x rate in XBT; a long pays
            assert Decimal(row["qty"]) == position.qty
            assert float(row["amount"]) == pytest.approx(
                float(position.qty) / float(row["price"]) * row["rate"], rel=1e-9)
        sc.daemon.kill()  # SIGKILL: the sim and the open trade die with the process
        sc.advance(2)  # the market moves on, no funding time in it
        sc.restart()
        sc.until_online()
        messages = [e.message for e in sc.run(lambda c: c.events(bot=sc.bot_id, limit=500))]
        assert any(f"{len(paid)} funding payments booked" in m for m in messages), \
            messages[-10:]
        for _ in range(HOLD_BARS // 50 + 2):  # on to the time stop, a funding time or two
            if sc.run(lambda c: c.trades(bot=sc.bot_id)):
                break
            sc.advance(49)
            sc.step()
        trades = sc.run(lambda c: c.trades(bot=sc.bot_id))
        assert len(trades) == 1, "the trade never closed"
        trade = trades[0]
        rows = stored(sc)
        # every funding time the position was held at, each stored once ...
        held = funding_times(held_from, trade.exit_ts_ms - trade.exit_ts_ms % MINUTE + MINUTE)
        assert [r["ts_ms"] for r in rows] == held and len(held) >= len(paid) >= 1
        assert rows[:len(paid)] == paid  # those paid before the kill were not paid again
        # ... and the trade's record carries them all, before and after the restart
        assert trade.funding == sum((Decimal(r["amount"]) for r in rows), Decimal(0))
        assert (trade.funding > 0) == (position.qty > 0)  # a positive rate: longs pay
        assert not sc.run(lambda c: c.events(bot=sc.bot_id, kinds=[EventKind.ALERT]))
    finally:
        sc.daemon.kill()
