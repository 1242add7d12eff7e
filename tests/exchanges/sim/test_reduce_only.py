"""Reduce-only orders never grow or flip a position: rejected, clipped or cancelled."""

import pytest

from plutarc.errors import OrderRejected
from plutarc.models import OrderStatus
from tests.exchanges.sim.sim_helpers import BUY, LIMIT, MARKET, SELL, STOP, D, after, engine, req

ROWS = [
    (100.0, 100.5, 99.5, 100.0),  # 0
    (100.0, 100.8, 99.6, 100.4),  # 1: entries fill at 100.0
    (100.4, 101.5, 100.1, 101.2),  # 2: trades through 101
    (101.2, 101.4, 100.9, 101.0),  # 3
]


def _long_one():
    sim, account = engine(ROWS)
    sim.submit(req("e", BUY, MARKET, "1"), after(0))
    sim.process_bar(1)  # long 1 at 100.0
    return sim, account


def test_reduce_only_without_a_position_is_rejected():
    sim, _ = engine(ROWS)
    with pytest.raises(OrderRejected, match="reduce-only with no open position"):
        sim.submit(req("r", SELL, LIMIT, "1", "101", reduce_only=True), after(0))


def test_reduce_only_on_the_side_of_the_position_is_rejected():
    sim, _ = _long_one()
    with pytest.raises(OrderRejected, match="reduce-only buy would grow the long position"):
        sim.submit(req("r", BUY, LIMIT, "1", "99", reduce_only=True), after(1))


def test_reduce_only_larger_than_the_position_is_clipped_then_cancelled():
    sim, account = _long_one()
    sim.submit(req("r", SELL, LIMIT, "3", "101.0", reduce_only=True), after(1))
    (fill,) = sim.process_bar(2)
    assert (fill.qty, fill.price) == (D("1"), D("101.0"))  # clipped to the 1 held
    order = sim.order("r")
    assert (order.status, order.filled_qty) == (OrderStatus.CANCELED, D("1"))
    assert sim.position.qty == 0
    # +1 realised; fees 100 x 0.0005 (taker entry) + 101 x 0.0002 (maker exit) = 0.0702
    assert account.balance("USDT") == D("100000") + D("1") - D("0.0702")


def test_reduce_only_orders_are_cancelled_when_another_order_flattens():
    sim, _ = _long_one()
    sim.submit(req("tp", SELL, LIMIT, "1", "110", reduce_only=True), after(1))
    sim.submit(req("sl", SELL, STOP, "1", stop="90", reduce_only=True), after(1))
    sim.submit(req("x", SELL, MARKET, "1"), after(1))
    (fill,) = sim.process_bar(2)
    assert fill.client_id == "x" and sim.position.qty == 0
    assert sim.order("tp").status is OrderStatus.CANCELED
    assert sim.order("sl").status is OrderStatus.CANCELED
    assert sim.open_orders() == []


def test_reduce_only_orders_are_cancelled_when_the_position_flips():
    sim, _ = _long_one()
    sim.submit(req("sl", SELL, STOP, "1", stop="90", reduce_only=True), after(1))
    sim.submit(req("flip", SELL, MARKET, "2"), after(1))
    sim.process_bar(2)
    assert sim.position.qty == D("-1")
    order = sim.order("sl")
    assert order.status is OrderStatus.CANCELED and "flipped" in order.reject_reason


def test_reduce_only_market_closes_exactly_the_position():
    sim, _ = _long_one()
    sim.submit(req("c", SELL, MARKET, "5", reduce_only=True), after(1))
    (fill,) = sim.process_bar(2)
    assert (fill.qty, fill.price) == (D("1"), D("100.4"))
