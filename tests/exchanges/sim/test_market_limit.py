"""Market, limit and post-only orders on a linear contract, with hand-computed fills and fees."""

import pytest

from plutarc.errors import OrderRejected
from plutarc.models import Liquidity, OrderStatus, TimeInForce
from tests.exchanges.sim.sim_helpers import BUY, LIMIT, MARKET, SELL, D, after, engine, req

ROWS = [
    # open   high   low    close
    (100.0, 101.0, 99.0, 100.5),  # 0
    (100.7, 102.0, 100.0, 101.5),  # 1
    (101.5, 101.8, 99.0, 99.6),  # 2: low touches 99.0 exactly
    (99.6, 100.2, 98.9, 100.0),  # 3: trades through 99.0
    (99.5, 100.4, 99.2, 100.1),  # 4
]


def test_market_order_fills_at_next_open_as_taker():
    sim, account = engine(ROWS)
    sim.process_bar(0)
    order = sim.submit(req("m", BUY, MARKET, "2"), after(0))
    assert order.status is OrderStatus.NEW  # nothing fills between bars
    (fill,) = sim.process_bar(1)
    # bar 1 opens at 100.7; taker fee 2 x 100.7 x 0.0005 = 0.1007
    assert (fill.price, fill.qty, fill.liquidity) == (D("100.7"), D("2"), Liquidity.TAKER)
    assert fill.fee == D("0.1007")
    assert fill.ts_ms == 60_000  # stamped at bar 1's open
    assert account.balance("USDT") == D("100000") - D("0.1007")
    pos = sim.position_snapshot()
    # marked at bar 1's close 101.5: 2 x (101.5 - 100.7) = 1.6
    assert (pos.qty, pos.entry_price, pos.unrealised_pnl) == (D("2"), D("100.7"), D("1.6"))
    assert account.equity("USDT") == D("100000") - D("0.1007") + D("1.6")
    # at a mark of 99.7: 2 x (99.7 - 100.7) = -2
    assert account.equity("USDT", {"BTCUSDT": D("99.7")}) == D("100000") - D("0.1007") - 2
    assert sim.order("m").status is OrderStatus.FILLED


def test_market_order_waits_for_the_next_bar_even_when_bars_were_skipped():
    sim, _ = engine(ROWS)
    sim.submit(req("m", SELL, MARKET, "1"), after(2))  # decided at bar 2's close
    assert sim.next_event_bar(0, 5) == 3
    (fill,) = sim.process_bar(3)
    assert fill.price == D("99.6")  # bar 3's open


def test_limit_needs_to_trade_through_touching_is_not_enough():
    sim, account = engine(ROWS)
    sim.submit(req("b", BUY, LIMIT, "1", "99.0"), after(1))
    assert sim.process_bar(2) == []  # low 99.0 only touches the bid
    (fill,) = sim.process_bar(3)  # low 98.9 trades through it
    # maker at the limit price: fee 1 x 99.0 x 0.0002 = 0.0198
    assert (fill.price, fill.liquidity, fill.fee) == (D("99.0"), Liquidity.MAKER, D("0.0198"))
    assert fill.ts_ms == 4 * 60_000 - 1  # intrabar fills carry the bar's last millisecond
    assert account.fees["USDT"] == D("0.0198")


def test_limit_fills_at_the_open_when_the_open_is_better():
    sim, _ = engine(ROWS)
    sim.submit(req("b", BUY, LIMIT, "1", "99.8"), after(3))
    (fill,) = sim.process_bar(4)  # opens at 99.5, under the 99.8 bid
    assert (fill.price, fill.liquidity) == (D("99.5"), Liquidity.MAKER)


def test_sell_limit_fills_when_the_high_trades_through():
    sim, _ = engine(ROWS)
    sim.submit(req("s", SELL, LIMIT, "0.5", "101.9"), after(0))
    (fill,) = sim.process_bar(1)  # high 102.0 > 101.9
    assert (fill.price, fill.qty, fill.side) == (D("101.9"), D("0.5"), SELL)
    assert sim.position.qty == D("-0.5")


def test_post_only_that_would_take_is_rejected_and_recorded():
    sim, _ = engine(ROWS)
    sim.process_bar(0)  # last price 100.5
    with pytest.raises(OrderRejected, match="post-only buy at 100.5 would take"):
        sim.submit(req("p1", BUY, LIMIT, "1", "100.5", post_only=True), after(0))
    rejected = sim.order("p1")
    assert rejected.status is OrderStatus.REJECTED and "would take" in rejected.reject_reason
    with pytest.raises(OrderRejected, match="post-only sell at 100.0"):
        sim.submit(req("p2", SELL, LIMIT, "1", "100.0", post_only=True), after(0))
    # a bid under the last price rests and fills as maker
    sim.submit(req("p3", BUY, LIMIT, "1", "100.4", post_only=True), after(0))
    (fill,) = sim.process_bar(1)  # low 100.0 < 100.4
    assert (fill.price, fill.liquidity) == (D("100.4"), Liquidity.MAKER)


def test_ioc_limit_fills_at_the_open_or_expires():
    sim, _ = engine(ROWS)
    sim.submit(req("i1", BUY, LIMIT, "1", "100.8", time_in_force=TimeInForce.IOC), after(0))
    sim.submit(req("i2", BUY, LIMIT, "1", "100.6", time_in_force=TimeInForce.IOC), after(0))
    (fill,) = sim.process_bar(1)  # opens at 100.7: i1 takes it, i2 cannot
    assert (fill.client_id, fill.price, fill.liquidity) == ("i1", D("100.7"), Liquidity.TAKER)
    assert sim.order("i2").status is OrderStatus.EXPIRED
    assert sim.open_orders() == []


def test_duplicate_client_id_and_wrong_symbol_are_rejected():
    sim, _ = engine(ROWS)
    sim.submit(req("x", BUY, LIMIT, "1", "90"), after(0))
    with pytest.raises(OrderRejected, match="client id already used"):
        sim.submit(req("x", BUY, LIMIT, "1", "90"), after(0))
    with pytest.raises(OrderRejected, match="'ETHUSDT' is not 'BTCUSDT'"):
        sim.submit(req("y", BUY, LIMIT, "1", "90", symbol="ETHUSDT"), after(0))


def test_timeline_only_moves_forward():
    sim, _ = engine(ROWS)
    sim.process_bar(2)
    with pytest.raises(Exception, match="already behind"):
        sim.process_bar(1)
    with pytest.raises(Exception, match="does not exist yet"):
        sim.process_bar(5)
