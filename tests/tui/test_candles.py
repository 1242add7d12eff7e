"""The bot detail's candle chart: markers from plain data, and a paper bot's real candles."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

import pytest

from plutarc.daemon.bot_config import BotSpec, RiskLimits
from plutarc.daemon.store import PositionRecord, TradeRecord
from plutarc.models import Direction
from plutarc.models.events import EventKind
from plutarc.tui.screens.bot_detail import CANDLES_SHOWN, BotDetailScreen
from plutarc.tui.widgets.candle_chart import CandleChart, candle_view
from tests.tui.conftest import Daemon
from tests.tui.test_fleet import app_for, until

MIN = 60_000


@dataclass
class Bar:
    ts_ms: int
    open: float
    high: float
    low: float
    close: float


def bars(n: int, start_ms: int = 1_000 * MIN) -> list[Bar]:
    return [Bar(start_ms + i * MIN, 100 + i, 101 + i, 99 + i, 100.5 + i) for i in range(n)]


def trade(direction: Direction, entry_ms: int, exit_ms: int,
          symbol: str = "BTCUSDT") -> TradeRecord:
    return TradeRecord(
        id=1, bot_id="b1", symbol=symbol, direction=direction, qty=Decimal(1),
        entry_ts_ms=entry_ms, entry_price=Decimal("101"), exit_ts_ms=exit_ms,
        exit_price=Decimal("103.5"), gross_pnl=Decimal(0), fees=Decimal(0), funding=Decimal(0),
        net_pnl=Decimal(0), exit_reason="signal", mfe=0.0, mae=0.0, entry_snapshot={})


def test_markers_land_on_the_candles_that_hold_them_and_others_are_left_out() -> None:
    candles = bars(10)
    t0 = candles[0].ts_ms
    trades = [trade(Direction.LONG, t0 + 2 * MIN + 5, t0 + 4 * MIN),
              trade(Direction.SHORT, t0 - 5 * MIN, t0 + 9 * MIN),  # entered before the window
              trade(Direction.LONG, t0 + MIN, t0 + 2 * MIN, symbol="ETHUSDT")]
    position = PositionRecord(bot_id="b1", symbol="BTCUSDT", qty=Decimal("-1"),
                              entry_price=Decimal("104.25"), leverage=Decimal(1),
                              liquidation_price=None, realised_pnl=Decimal(0),
                              unrealised_pnl=Decimal(0), ts_ms=t0)
    view = candle_view("BTCUSDT", candles, trades, [position])
    assert view.x == list(range(10)) and view.close[-1] == 109.5
    assert view.long_entries == [(2, 101.0)]
    assert view.short_entries == []
    assert view.exits == [(4, 103.5), (9, 103.5)]
    assert view.entry_level == 104.25 and view.stop_level is None


def test_no_candles_and_misordered_candles() -> None:
    assert candle_view("BTCUSDT", []).x == []
    with pytest.raises(ValueError, match="oldest first"):
        candle_view("BTCUSDT", list(reversed(bars(3))))


async def test_a_paper_bots_candles_with_its_trades_and_stop(daemon: Daemon) -> None:
    async with daemon.client() as api:
        bot = await api.create_bot(BotSpec(name="charted", template="reference_ema_cross",
                                           venue="sim", mode="paper", symbols=("BTCUSDT",),
                                           account="speed=max;bars=400",
                                           # 1 BTC on the paper cash is ~4x: allow it
                                           risk=RiskLimits(max_leverage=Decimal(10))),
                                   start=True)
        for _ in range(200):  # the replay ends: the picture stops moving
            if any("replay finished" in e.message for e in await api.events(
                    bot="charted", kinds=[EventKind.ACTIVITY], limit=1000)):
                break
            await asyncio.sleep(0.1)
        candles = await api.candles("charted", "BTCUSDT", CANDLES_SHOWN)
        trades = await api.trades(bot="charted", limit=20)
        orders = await api.orders(bot="charted", open_only=True)
        positions = await api.positions(bot="charted")
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link)
        app.open_bot("charted")
        def drawn() -> bool:
            charts = app.screen.query(CandleChart)
            return bool(charts and charts.first().view and charts.first().view.x)

        await until(pilot, lambda: isinstance(app.screen, BotDetailScreen) and drawn(),
                    what="the candle chart")
        view = app.screen.query_one(CandleChart).view
        assert view is not None and bot.symbols == ("BTCUSDT",)
        assert len(view.x) == len(candles) == CANDLES_SHOWN
        assert view.close[-1] == candles[-1].close
        window = (candles[0].ts_ms, candles[-1].ts_ms + MIN)
        exits = [t for t in trades if window[0] <= t.exit_ts_ms < window[1]]
        assert exits and len(view.exits) == len(exits)  # it reverses often in the first hours
        entries = [t for t in trades if window[0] <= t.entry_ts_ms < window[1]]
        assert len(view.long_entries) + len(view.short_entries) == len(entries)
        stops = [o.stop_price for o in orders if o.stop_price is not None]
        held = [p for p in positions if p.qty != 0]
        assert held and stops  # the reversal strategy always holds a position with its stop
        assert view.stop_level == float(stops[-1])
        assert view.entry_level == float(held[0].entry_price or 0)


def test_a_level_far_from_the_candles_is_named_not_drawn() -> None:
    from plutarc.tui.widgets.candle_chart import off_chart

    view = candle_view("BTCUSDT", bars(10))  # lows 99..108, highs 101..110
    assert off_chart(105.0, view) == ""
    assert off_chart(95.0, view) == ""  # within one range of the candles: drawn
    assert off_chart(80.0, view) == "below" and off_chart(130.0, view) == "above"
