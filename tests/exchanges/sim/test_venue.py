"""SimVenue through the async Venue methods: a paper bot's view of the simulated exchange."""

import asyncio

import numpy as np
import pytest

from plutarc.clock import ManualClock
from plutarc.errors import ConfigError, DataError, FinalVenueError, OrderRejected, UsageError
from plutarc.exchanges.base import Venue
from plutarc.exchanges.sim import SimAccount, SimConfig, SimMatchingEngine, SimVenue
from plutarc.models import Candle, OrderStatus, OrderType
from plutarc.strategy.context import TimeSeries
from tests.exchanges.sim.sim_helpers import (
    BUY,
    LIMIT,
    MARKET,
    MIN,
    SELL,
    STOP,
    D,
    inverse,
    linear,
    req,
)
from tests.helpers import real_bars

T0 = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def _candle(i: int, o: float, h: float, lo: float, c: float) -> Candle:
    return Candle(T0 + i * MIN, o, h, lo, c, 10.0, MIN)


def _venue(**config) -> tuple[SimVenue, ManualClock]:
    clock = ManualClock(T0)
    account = SimAccount({"USDT": D(10_000), "BTC": D(1)})
    venue = SimVenue("paper", [linear(), inverse()], SimConfig(**config), clock, account=account)
    return venue, clock


async def test_it_is_a_venue_with_the_sims_capabilities():
    venue, _ = _venue()
    assert isinstance(venue, Venue)
    caps = venue.capabilities
    assert caps.native_trailing_stop and caps.inverse_contracts and caps.exchange_side_stops
    assert caps.order_types == frozenset(OrderType)
    assert [i.symbol for i in await venue.instruments()] == ["BTCUSDT", "BTCUSD"]
    assert await venue.server_time_ms() == T0


async def test_place_fill_stream_and_account_views():
    venue, clock = _venue()
    fills = venue.stream_fills()
    venue.feed("BTCUSDT", _candle(0, 100.0, 100.5, 99.5, 100.0))
    clock.set(T0 + MIN + 150)  # just after candle 0 closed
    order = await venue.place_order(req("e", BUY, MARKET, "2"))
    assert order.status is OrderStatus.NEW
    assert await venue.order_by_client_id("e") == order
    got = venue.feed("BTCUSDT", _candle(1, 100.2, 101.0, 100.0, 100.8))
    fill = await asyncio.wait_for(anext(fills), 1)
    assert got == [fill] and (fill.price, fill.qty) == (D("100.2"), D("2"))
    (position,) = await venue.positions()
    # marked at 100.8: 2 x (100.8 - 100.2) = 1.2
    assert (position.qty, position.entry_price, position.unrealised_pnl) == (D(2), D("100.2"),
                                                                             D("1.2"))
    balances = {b.currency: b for b in await venue.balances()}
    assert balances["USDT"].total == D(10_000) - D("0.1002")  # taker 2 x 100.2 x 0.0005
    assert balances["BTC"].total == D(1)
    assert await venue.fills_since(T0 + MIN) == [fill]
    assert await venue.fills_since(T0 + MIN + 1) == []
    assert await venue.fills_since(0, "BTCUSD") == []


async def test_amend_cancel_and_open_orders():
    venue, clock = _venue()
    venue.feed("BTCUSDT", _candle(0, 100.0, 100.5, 99.5, 100.0))
    clock.set(T0 + MIN)
    await venue.place_order(req("b", BUY, LIMIT, "1", "95"))
    await venue.place_order(req("s", SELL, STOP, "1", stop="90"))
    await venue.place_order(req("i", BUY, LIMIT, "1000", "30000", symbol="BTCUSD"))
    amended = await venue.amend_order("b", price=D("99.9"))
    assert amended.request.price == D("99.9")
    assert {o.client_id for o in await venue.open_orders()} == {"b", "s", "i"}
    assert [o.client_id for o in await venue.open_orders("BTCUSD")] == ["i"]
    cancelled = await venue.cancel_order("s")
    assert cancelled.status is OrderStatus.CANCELED
    assert [o.client_id for o in await venue.cancel_all("BTCUSD")] == ["i"]
    (fill,) = venue.feed("BTCUSDT", _candle(1, 100.0, 100.2, 99.0, 99.5))
    assert (fill.client_id, fill.price) == ("b", D("99.9"))
    assert await venue.open_orders() == []


async def test_errors_are_our_error_types():
    venue, _ = _venue()
    with pytest.raises(OrderRejected, match="lists no 'ETHUSDT'"):
        await venue.place_order(req("x", BUY, MARKET, "1", symbol="ETHUSDT"))
    with pytest.raises(OrderRejected, match="reduce-only with no open position"):
        await venue.place_order(req("r", SELL, MARKET, "1", reduce_only=True))
    assert (await venue.order_by_client_id("r")).status is OrderStatus.REJECTED
    with pytest.raises(OrderRejected, match="client id already used"):
        await venue.place_order(req("r", SELL, MARKET, "1"))
    with pytest.raises(OrderRejected, match="unknown to paper"):
        await venue.cancel_order("nope")
    with pytest.raises(UsageError, match="lists no symbol 'ETHUSDT'"):
        await venue.candles("ETHUSDT", "1m", 0, T0)
    with pytest.raises(UsageError, match="unknown interval '7m'"):
        venue.stream_candles("BTCUSDT", "7m")
    with pytest.raises(ConfigError, match="outside"):
        await venue.set_leverage("BTCUSDT", D(500))
    assert await venue.order_by_client_id("nope") is None
    await venue.close()
    with pytest.raises(FinalVenueError, match="is closed"):
        await venue.place_order(req("late", BUY, MARKET, "1"))


async def test_candles_are_served_and_synthesised_from_what_was_fed():
    bars = real_bars(180)
    venue, _ = _venue()
    fives = venue.stream_candles("BTCUSDT", "5m")
    hours = venue.stream_candles("BTCUSDT", "1h")
    for i in range(len(bars)):
        venue.feed("BTCUSDT", bars.candle(i))
    start = int(bars.ts_ms[0])
    ones = await venue.candles("BTCUSDT", "1m", start + 10 * MIN, start + 20 * MIN)
    assert [c.ts_ms for c in ones] == [start + k * MIN for k in range(10, 20)]
    hourly = await venue.candles("BTCUSDT", "1h", 0, start + 10 * 60 * MIN)
    assert len(hourly) == 3
    first = hourly[0]
    # the first hour: open of bar 0, max/min of bars 0..59, close of bar 59
    assert (first.open, first.high, first.low, first.close) == (
        bars.open[0], bars.high[:60].max(), bars.low[:60].min(), bars.close[59])
    streamed = [await asyncio.wait_for(anext(hours), 1) for _ in range(3)]
    assert streamed == hourly
    streamed_fives = [await asyncio.wait_for(anext(fives), 1) for _ in range(36)]
    assert streamed_fives == await venue.candles("BTCUSDT", "5m", 0, 2**62)
    with pytest.raises(DataError, match="cannot be built"):
        venue.feed("BTCUSD", Candle(T0, 1, 1, 1, 1, 1, 5 * MIN))
        await venue.candles("BTCUSD", "1m", 0, 2**62)
    await venue.close()
    assert [c async for c in hours] == []  # closing ends the streams


async def test_candles_fed_out_of_order_are_refused():
    venue, _ = _venue()
    venue.feed("BTCUSDT", _candle(1, 100.0, 100.5, 99.5, 100.0))
    with pytest.raises(DataError, match="not after the last"):
        venue.feed("BTCUSDT", _candle(0, 100.0, 100.5, 99.5, 100.0))


async def test_funding_rates_and_open_interest():
    series = TimeSeries(np.array([T0, T0 + 8 * 3_600_000], np.int64), np.array([1e-4, -2e-4]))
    oi = TimeSeries(np.array([T0], np.int64), np.array([12345.0]))
    venue = SimVenue("p", [linear()], SimConfig(), ManualClock(T0), funding={"BTCUSDT": series},
                     open_interest={"BTCUSDT": oi})
    rates = await venue.funding_rates("BTCUSDT", T0, T0 + 86_400_000)
    assert [(r.ts_ms, r.rate) for r in rates] == [(T0, 1e-4), (T0 + 8 * 3_600_000, -2e-4)]
    assert [o.value for o in await venue.open_interest("BTCUSDT", 0, T0 + 1)] == [12345.0]
    constant, _ = _venue(funding_rate_constant=0.0001)
    got = await constant.funding_rates("BTCUSDT", T0 + 1, T0 + 86_400_000)
    assert [r.ts_ms for r in got] == [T0 + 8 * 3_600_000, T0 + 16 * 3_600_000]
    assert await constant.open_interest("BTCUSDT", 0, T0) == []


async def test_paper_replay_equals_the_backtest_engine():
    """The same candles and the same orders through SimVenue.feed and through a backtest
    engine skipping bars with next_event_bar give the same fills."""
    bars = real_bars(3_000)
    inst = linear(tick_size=D("0.01"))
    venue = SimVenue("p", [inst], SimConfig(), ManualClock(0),
                     account=SimAccount({"USDT": D(100_000)}))
    sim = SimMatchingEngine(inst, SimConfig(), SimAccount({"USDT": D(100_000)}))
    sim.set_bars(bars)
    reached = f"{bars.low[401:2_000].min() + 1:.2f}"  # a level bars 401..1999 reach
    plan = {100: ("a", BUY, LIMIT, "0.5", "42400.00"), 400: ("b", SELL, STOP, "0.5", None),
            900: ("c", SELL, MARKET, "0.2", None)}
    paper_fills, bt_fills, cursor = [], [], 0
    for i in range(len(bars)):
        paper_fills += venue.feed("BTCUSDT", bars.candle(i))
        if i in plan:
            cid, side, kind, qty, price = plan[i]
            stop = reached if kind is STOP else None
            request = req(cid, side, kind, qty, price, stop)
            venue.clock.set(int(bars.close_ts_ms[i]) + 250)  # the bot answers 250 ms later
            await venue.place_order(request)
            while (j := sim.next_event_bar(cursor, i + 1)) <= i:
                bt_fills += sim.process_bar(j)
                cursor = j + 1
            cursor = i + 1
            sim.submit(request, int(bars.close_ts_ms[i]))
    while (j := sim.next_event_bar(cursor, len(bars))) < len(bars):
        bt_fills += sim.process_bar(j)
        cursor = j + 1
    assert len(paper_fills) == 3
    assert paper_fills == bt_fills
