"""Partial fills: our fills in a bar add up to at most max_volume_fraction of its volume."""

from plutarc.models import OrderStatus, TimeInForce
from tests.exchanges.sim.sim_helpers import (
    BUY,
    LIMIT,
    MARKET,
    SELL,
    STOP,
    D,
    after,
    engine,
    req,
)

ROWS = [
    (100.0, 100.5, 99.5, 100.0, 5.0),  # 0
    (100.0, 100.5, 99.5, 100.2, 5.0),  # 1: 10 % of 5 = 0.5 per bar
    (100.2, 100.6, 99.0, 100.4, 5.0),  # 2
    (100.4, 100.9, 100.1, 100.8, 2.0),  # 3: 10 % of 2 = 0.2
    (100.8, 101.0, 100.5, 100.9, 5.0),  # 4
]


def test_market_order_fills_over_several_opens():
    sim, _ = engine(ROWS, max_volume_fraction=0.1)
    sim.submit(req("m", BUY, MARKET, "1.2"), after(0))
    got = [f for i in (1, 2, 3, 4) for f in sim.process_bar(i)]
    # 0.5 at bar 1's open, 0.5 at bar 2's, 0.2 at bar 3's (its whole budget)
    assert [(f.qty, f.price) for f in got] == [
        (D("0.5"), D("100.0")), (D("0.5"), D("100.2")), (D("0.2"), D("100.4"))
    ]
    order = sim.order("m")
    assert order.status is OrderStatus.FILLED
    # average (0.5 x 100.0 + 0.5 x 100.2 + 0.2 x 100.4) / 1.2 = 120.18 / 1.2 = 100.15
    assert order.avg_price == D("100.15")


def test_the_budget_is_shared_by_the_orders_of_a_bar():
    sim, _ = engine(ROWS, max_volume_fraction=0.1)
    sim.submit(req("a", BUY, MARKET, "0.3"), after(0))
    sim.submit(req("b", BUY, MARKET, "0.3"), after(0))
    first = sim.process_bar(1)
    assert [(f.client_id, f.qty) for f in first] == [("a", D("0.3")), ("b", D("0.2"))]
    assert sim.order("b").status is OrderStatus.PARTIALLY_FILLED
    (rest,) = sim.process_bar(2)
    assert (rest.client_id, rest.qty) == ("b", D("0.1"))


def test_limit_and_triggered_stop_remainders():
    sim, _ = engine(ROWS, max_volume_fraction=0.1)
    sim.submit(req("l", BUY, LIMIT, "0.7", "99.4"), after(1))
    (part,) = sim.process_bar(2)  # low 99.0 trades through 99.4: 0.5 of 0.7
    assert (part.qty, part.price) == (D("0.5"), D("99.4"))
    assert sim.process_bar(3) == []  # low 100.1: the rest waits
    sim2, _ = engine(ROWS, max_volume_fraction=0.1)
    sim2.submit(req("s", SELL, STOP, "0.7", stop="99.2"), after(1))
    (triggered,) = sim2.process_bar(2)
    assert (triggered.qty, triggered.price) == (D("0.5"), D("99.2"))
    (rest,) = sim2.process_bar(3)  # a triggered stop's remainder is a market order now
    assert (rest.qty, rest.price) == (D("0.2"), D("100.4"))


def test_fill_or_kill_expires_when_the_bar_is_too_thin():
    sim, _ = engine(ROWS, max_volume_fraction=0.1)
    sim.submit(req("f", BUY, LIMIT, "0.6", "101", time_in_force=TimeInForce.FOK), after(0))
    assert sim.process_bar(1) == []
    assert sim.order("f").status is OrderStatus.EXPIRED
