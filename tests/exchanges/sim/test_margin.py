"""Margin checks and isolated-margin liquidation (enforce_margin), hand-computed."""

import pytest

from plutarc.errors import ConfigError, InsufficientFunds
from plutarc.exchanges.sim import SimAccount, SimConfig, SimMatchingEngine
from plutarc.models import Liquidity
from tests.exchanges.sim.sim_helpers import (
    BUY,
    LIMIT,
    MARKET,
    SELL,
    STOP,
    D,
    after,
    engine,
    inverse,
    linear,
    req,
)

ROWS = [
    (100.0, 100.5, 99.5, 100.0),  # 0
    (100.0, 100.5, 99.0, 99.5),  # 1: entries fill at 100.0
    (99.5, 99.8, 90.0, 91.0),  # 2: falls to 90.0
    (91.0, 110.0, 90.5, 109.0),  # 3: rallies to 110.0
]


def _open(side, rows=ROWS, cash="1000", leverage="10", inst=None, qty="1"):
    sim, account = engine(rows, inst, cash=cash, leverage=D(leverage))
    sim.submit(req("e", side, MARKET, qty, symbol=(inst or linear()).symbol), after(0))
    sim.process_bar(1)
    return sim, account


def test_long_is_liquidated_at_its_liquidation_price_and_loses_its_margin():
    sim, account = _open(BUY)
    # liq = 100 x (1 - 1/10) / (1 - 0.005) = 90.4522..., a sell rounds down: 90.4
    assert sim.position_snapshot().liquidation_price == D(90) / D("0.995")
    (liq,) = sim.process_bar(2)  # low 90.0 crosses it
    assert (liq.price, liq.side, liq.tag, liq.liquidity) == (D("90.4"), SELL, "liquidation",
                                                              Liquidity.TAKER)
    # realised -9.6; taker 90.4 x 0.0005 = 0.0452; what is left of the 10 margin (0.4) is lost
    assert liq.extra["clearance_fee"] == "0.4"
    assert liq.fee == D("0.4452")
    assert sim.position.qty == 0 and sim.liquidations == 1
    # 1000 - entry fee 0.05 - the whole 10 margin - 0.0452
    assert account.balance("USDT") == D("1000") - D("0.05") - D("10") - D("0.0452")


def test_short_is_liquidated_on_the_high():
    sim, account = _open(SELL)
    # liq = 100 x (1 + 1/10) / (1 + 0.005) = 109.4527..., a buy rounds up: 109.5
    sim.process_bar(2)
    (liq,) = sim.process_bar(3)
    assert (liq.price, liq.side) == (D("109.5"), BUY)
    # realised -9.5, clearance 10 - 9.5 = 0.5, taker 109.5 x 0.0005 = 0.05475
    assert liq.fee == D("0.5") + D("0.05475")
    assert account.balance("USDT") == D("1000") - D("0.05") - D("10") - D("0.05475")


def test_a_stop_before_the_liquidation_price_fills_first():
    sim, _ = _open(BUY)
    sim.submit(req("sl", SELL, STOP, "1", stop="92.0", reduce_only=True), after(1))
    (fill,) = sim.process_bar(2)
    assert (fill.client_id, fill.price) == ("sl", D("92.0")) and sim.liquidations == 0


def test_a_gap_through_the_liquidation_price_still_costs_only_the_margin():
    rows = ROWS[:2] + [(85.0, 86.0, 84.0, 85.5)]
    sim, account = _open(BUY, rows)
    (liq,) = sim.process_bar(2)
    assert liq.price == D("90.4")  # not the 85 open: isolated margin caps the loss
    assert account.balance("USDT") == D("1000") - D("0.05") - D("10") - D("0.0452")


def test_inverse_liquidation_loses_the_coin_margin():
    rows = [(40000.0, 40100.0, 39900.0, 40000.0), (40000.0, 40100.0, 39900.0, 40000.0),
            (40000.0, 40000.0, 36000.0, 36500.0)]
    sim, account = _open(BUY, rows, cash="1", inst=inverse(), qty="1000")
    # liq = 40000 x (1 + 0.005) / (1 + 1/10) = 36545.45..., down to the tick: 36545.0
    (liq,) = sim.process_bar(2)
    assert liq.price == D("36545.0")
    # margin 1000 / 40000 / 10 = 0.0025 BTC lost whole, plus taker 1000/36545 x 0.00075
    taker = D(1000) / D(36545) * D("0.00075")
    expected = 1 - D("0.00001875") - D("0.0025") - taker
    assert abs(account.balance("BTC") - expected) < D("1e-24")


def test_orders_beyond_the_available_margin_are_refused():
    sim, account = engine(ROWS, cash="100", leverage=D("2"))
    sim.process_bar(0)  # last 100.0
    # margin 1 x 100 / 2 = 50, plus a taker fee reserve 100 x 0.0005 = 0.05
    sim.submit(req("a", BUY, MARKET, "1"), after(0))
    assert account.available("USDT") == D("100") - D("50.05")
    with pytest.raises(InsufficientFunds, match="needs 50.05000000 USDT"):
        sim.submit(req("b", BUY, LIMIT, "1", "100"), after(0))
    assert sim.order("b").status.value == "rejected"
    # closing orders need nothing once the position exists
    sim.process_bar(1)
    sim.submit(req("c", SELL, LIMIT, "1", "120"), after(1))


def test_without_margin_enforcement_cash_may_go_negative_and_nothing_liquidates():
    sim, account = engine(ROWS, cash="10", leverage=D("10"), enforce_margin=False)
    sim.submit(req("e", BUY, MARKET, "5"), after(0))  # 500 notional on 10 cash
    sim.process_bar(1)
    assert sim.process_bar(2) == []  # crosses the would-be liquidation price
    sim.submit(req("x", SELL, MARKET, "5"), after(2))
    sim.process_bar(3)
    # 5 x (91 - 100) = -45; fees 5 x 100 x 0.0005 + 5 x 91 x 0.0005 = 0.4775
    assert account.balance("USDT") == D("10") - D("45") - D("0.4775")


def test_leverage_above_the_instruments_maximum_is_refused():
    with pytest.raises(ConfigError, match="above BTCUSDT's maximum 20"):
        SimMatchingEngine(linear(max_leverage=D(20)), SimConfig(leverage=D(50)), SimAccount())
    sim, _ = engine(ROWS)
    with pytest.raises(ConfigError, match=r"outside \(0, 100\]"):
        sim.set_leverage(D(101))
