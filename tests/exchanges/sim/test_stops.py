"""Stop-market, stop-limit and the same-candle stop/target rule, with hand-computed fills."""

from plutarc.models import Liquidity, OrderStatus
from tests.exchanges.sim.sim_helpers import (
    BUY,
    LIMIT,
    MARKET,
    SELL,
    STOP,
    STOP_LIMIT,
    D,
    after,
    engine,
    req,
)

ROWS = [
    # open   high   low    close
    (100.0, 101.0, 99.0, 100.0),  # 0
    (100.0, 100.5, 97.0, 97.5),  # 1: low 97.0
    (94.0, 96.0, 93.0, 95.0),  # 2: gaps down, opens at 94
    (95.0, 103.0, 94.5, 102.0),  # 3
    (102.0, 104.0, 101.0, 103.0),  # 4
]


def test_sell_stop_triggers_when_the_low_reaches_it_and_fills_at_the_stop():
    sim, _ = engine(ROWS)
    sim.submit(req("s", SELL, STOP, "1", stop="97.0"), after(0))
    (fill,) = sim.process_bar(1)  # low 97.0 reaches the stop
    # taker at the stop: fee 1 x 97.0 x 0.0005 = 0.0485
    assert (fill.price, fill.liquidity, fill.fee) == (D("97.0"), Liquidity.TAKER, D("0.0485"))
    assert sim.position.qty == D("-1")


def test_stop_gapped_through_fills_at_the_open():
    sim, _ = engine(ROWS)
    sim.submit(req("s", SELL, STOP, "1", stop="95.0"), after(1))
    (fill,) = sim.process_bar(2)  # opens at 94, already under the 95 stop
    assert (fill.price, fill.ts_ms) == (D("94.0"), 2 * 60_000)


def test_buy_stop_triggers_on_the_high():
    sim, _ = engine(ROWS)
    sim.submit(req("b", BUY, STOP, "1", stop="102.5"), after(2))
    (fill,) = sim.process_bar(3)  # high 103 >= 102.5
    assert (fill.price, fill.side) == (D("102.5"), BUY)


def test_protective_stop_placed_on_the_entry_fill_acts_from_the_next_bar():
    sim, _ = engine(ROWS)
    sim.submit(req("e", BUY, MARKET, "1"), after(0))
    (entry,) = sim.process_bar(1)  # fills at 100.0; bar 1 then falls to 97.0
    sim.submit(req("sl", SELL, STOP, "1", stop="98.0", reduce_only=True), entry.ts_ms)
    assert sim.next_event_bar(2, 5) == 2
    (stop_fill,) = sim.process_bar(2)  # not bar 1's low: bar 2's gap open, 94
    assert stop_fill.price == D("94.0")
    assert sim.position.qty == 0


def test_marketable_stop_limit_fills_at_the_stop_as_taker():
    sim, _ = engine(ROWS)
    sim.submit(req("sl", SELL, STOP_LIMIT, "1", "96.5", "97.0"), after(0))
    (fill,) = sim.process_bar(1)  # triggers at 97.0; a 96.5 ask is marketable there
    assert (fill.price, fill.liquidity) == (D("97.0"), Liquidity.TAKER)


def test_stop_limit_that_cannot_fill_at_trigger_rests_as_a_limit():
    sim, _ = engine(ROWS)
    # bar 1, flat: the high (0.5 away from the open) comes before the low (3.0 away)
    sim.submit(req("sl", BUY, STOP_LIMIT, "1", "99.0", "100.5"), after(0))
    (fill,) = sim.process_bar(1)
    # triggered at 100.5, the 99.0 bid rested, then the fall to 97.0 traded through it
    assert (fill.price, fill.liquidity) == (D("99.0"), Liquidity.MAKER)


def test_stop_limit_gapped_past_its_limit_rests_then_fills_as_maker():
    sim, _ = engine(ROWS)
    sim.submit(req("sl", SELL, STOP_LIMIT, "1", "95.0", "95.5"), after(1))
    (fill,) = sim.process_bar(2)
    # opens at 94: triggered, but a 95.0 ask does not take a 94 market; it rests.
    # Bar 2 flat: low (1 away) first, then the rise to 96 trades through 95.0.
    assert (fill.price, fill.liquidity, fill.ts_ms) == (D("95.0"), Liquidity.MAKER, 3 * 60_000 - 1)


STOP_AND_TARGET = [
    (100.0, 101.0, 99.0, 100.0),
    (100.0, 100.2, 99.8, 100.0),
    (100.0, 111.0, 94.0, 110.5),  # a bullish bar that also touched 94
]


def test_same_candle_stop_and_target_fills_the_stop_and_cancels_the_target():
    sim, account = engine(STOP_AND_TARGET)
    sim.submit(req("e", BUY, MARKET, "1"), after(0))
    sim.process_bar(1)  # long 1 at 100.0, fee 0.05
    sim.submit(req("sl", SELL, STOP, "1", stop="95.0", reduce_only=True), after(1))
    sim.submit(req("tp", SELL, LIMIT, "1", "110.0", reduce_only=True), after(1))
    (fill,) = sim.process_bar(2)
    assert (fill.client_id, fill.price) == ("sl", D("95.0"))
    target = sim.order("tp")
    assert target.status is OrderStatus.CANCELED and "position closed" in target.reject_reason
    # -5 realised, fees 100 x 0.0005 + 95 x 0.0005 = 0.0975
    assert account.balance("USDT") == D("100000") - D("5") - D("0.0975")


def test_a_finer_timeline_resolves_the_same_candle():
    # the same hour as two finer bars: the high came first
    rows = STOP_AND_TARGET[:2] + [(100.0, 111.0, 99.9, 110.8), (110.8, 110.8, 94.0, 95.0)]
    sim, account = engine(rows)
    sim.submit(req("e", BUY, MARKET, "1"), after(0))
    sim.process_bar(1)
    sim.submit(req("sl", SELL, STOP, "1", stop="95.0", reduce_only=True), after(1))
    sim.submit(req("tp", SELL, LIMIT, "1", "110.0", reduce_only=True), after(1))
    (fill,) = sim.process_bar(2)
    assert (fill.client_id, fill.price, fill.liquidity) == ("tp", D("110.0"), Liquidity.MAKER)
    assert sim.order("sl").status is OrderStatus.CANCELED
    assert sim.process_bar(3) == []
    # +10 realised, fees 100 x 0.0005 + 110 x 0.0002 = 0.072
    assert account.balance("USDT") == D("100000") + D("10") - D("0.072")


def test_a_target_that_is_not_reduce_only_opens_the_other_way_after_the_stop():
    sim, _ = engine(STOP_AND_TARGET)
    sim.submit(req("e", BUY, MARKET, "1"), after(0))
    sim.process_bar(1)
    sim.submit(req("sl", SELL, STOP, "1", stop="95.0", reduce_only=True), after(1))
    sim.submit(req("tp", SELL, LIMIT, "1", "110.0"), after(1))
    fills = sim.process_bar(2)
    assert [(f.client_id, f.price) for f in fills] == [("sl", D("95.0")), ("tp", D("110.0"))]
    assert (sim.position.qty, sim.position.entry) == (D("-1"), D("110.0"))
