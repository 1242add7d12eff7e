"""Amending and cancelling resting orders; the errors for orders that cannot be changed."""

import pytest

from plutarc.errors import OrderRejected
from plutarc.models import OrderStatus
from tests.exchanges.sim.sim_helpers import BUY, LIMIT, SELL, STOP, D, after, engine, req

ROWS = [
    (100.0, 100.5, 99.5, 100.0),  # 0
    (100.0, 100.2, 99.0, 99.8),  # 1: low 99.0
    (99.8, 100.0, 97.0, 97.5),  # 2: low 97.0
]


def test_amend_limit_price_and_qty():
    sim, _ = engine(ROWS)
    sim.submit(req("b", BUY, LIMIT, "1", "95"), after(0))
    amended = sim.amend("b", qty=D("2.5"), price=D("99.47"), now_ms=after(0))
    # a bid rounds down to the tick: 99.47 -> 99.4
    assert (amended.request.qty, amended.request.price) == (D("2.5"), D("99.4"))
    assert amended.status is OrderStatus.NEW
    (fill,) = sim.process_bar(1)  # low 99.0 < 99.4
    assert (fill.qty, fill.price) == (D("2.5"), D("99.4"))


def test_amend_stop_price():
    sim, _ = engine(ROWS)
    sim.submit(req("s", SELL, STOP, "1", stop="90"), after(0))
    sim.amend("s", stop_price=D("98.0"), now_ms=after(0))
    assert sim.process_bar(1) == []  # low 99.0 is above 98
    (fill,) = sim.process_bar(2)
    assert fill.price == D("98.0")


def test_amend_rejects_fields_the_order_does_not_have():
    sim, _ = engine(ROWS)
    sim.submit(req("s", SELL, STOP, "1", stop="90"), after(0))
    sim.submit(req("b", BUY, LIMIT, "1", "95"), after(0))
    with pytest.raises(OrderRejected, match="a stop_market order has no limit price"):
        sim.amend("s", price=D("91"), now_ms=after(0))
    with pytest.raises(OrderRejected, match="this limit order has no stop price"):
        sim.amend("b", stop_price=D("91"), now_ms=after(0))


def test_amend_to_quantity_already_filled_is_rejected():
    sim, _ = engine(ROWS, max_volume_fraction=0.001)  # 1000 volume -> 1.0 per bar
    sim.submit(req("b", BUY, LIMIT, "3", "99.5"), after(0))
    (fill,) = sim.process_bar(1)
    assert fill.qty == D("1")
    with pytest.raises(OrderRejected, match="new quantity 1 is not above the 1.000 filled"):
        sim.amend("b", qty=D("1"), now_ms=after(1))


def test_amend_post_only_into_the_market_is_rejected_and_changes_nothing():
    sim, _ = engine(ROWS)
    sim.process_bar(0)  # last 100.0
    sim.submit(req("p", BUY, LIMIT, "1", "99", post_only=True), after(0))
    with pytest.raises(OrderRejected, match="would take"):
        sim.amend("p", price=D("100.1"), now_ms=after(0))
    assert sim.order("p").request.price == D("99")


def test_cancel_and_the_errors_after_it():
    sim, _ = engine(ROWS)
    sim.submit(req("b", BUY, LIMIT, "1", "99.5"), after(0))
    cancelled = sim.cancel("b", after(0))
    assert cancelled.status is OrderStatus.CANCELED and cancelled.updated_ms == after(0)
    assert sim.process_bar(1) == []  # would have filled
    with pytest.raises(OrderRejected, match="already canceled"):
        sim.cancel("b", after(1))
    with pytest.raises(OrderRejected, match="unknown to BTCUSDT"):
        sim.cancel("nope", after(1))
    with pytest.raises(OrderRejected, match="already canceled"):
        sim.amend("b", qty=D("2"), now_ms=after(1))


def test_cancel_all():
    sim, _ = engine(ROWS)
    sim.submit(req("a", BUY, LIMIT, "1", "90"), after(0))
    sim.submit(req("b", SELL, LIMIT, "1", "110"), after(0))
    done = sim.cancel_all(after(0))
    assert [o.client_id for o in done] == ["a", "b"]
    assert all(o.status is OrderStatus.CANCELED for o in done)
    assert sim.open_orders() == [] and sim.next_event_bar(1, 3) == 3
