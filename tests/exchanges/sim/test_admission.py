"""Tick/lot rounding, minimum quantity and configuration errors."""

import numpy as np
import pytest
from pydantic import ValidationError

from plutarc.errors import ConfigError, DataError, OrderRejected
from plutarc.exchanges.sim import SimAccount, SimConfig, SimMatchingEngine
from plutarc.models import OrderStatus
from plutarc.validation import describe_validation_error
from tests.exchanges.sim.sim_helpers import (
    BUY,
    LIMIT,
    MARKET,
    SELL,
    STOP,
    D,
    after,
    bars,
    engine,
    linear,
    req,
)

ROWS = [(100.0, 100.5, 99.5, 100.0), (100.0, 100.5, 99.0, 99.5)]


def test_prices_round_away_from_the_market_and_quantities_down_to_the_lot():
    sim, _ = engine(ROWS)
    bid = sim.submit(req("b", BUY, LIMIT, "1.2345", "100.17"), after(0))
    ask = sim.submit(req("a", SELL, LIMIT, "1", "100.13"), after(0))
    stop = sim.submit(req("s", SELL, STOP, "1", stop="97.06"), after(0))
    assert (bid.request.qty, bid.request.price) == (D("1.234"), D("100.1"))  # bid down
    assert ask.request.price == D("100.2")  # ask up
    assert stop.request.stop_price == D("97.1")  # stops to the nearest tick


def test_quantities_under_the_lot_or_the_minimum_are_rejected():
    sim, _ = engine(ROWS, linear(min_qty=D("0.01")))
    with pytest.raises(OrderRejected, match=r"quantity 0.0005 rounds to 0.000 at lot 0.001"):
        sim.submit(req("a", BUY, MARKET, "0.0005"), after(0))
    with pytest.raises(OrderRejected, match="below the minimum 0.01 for BTCUSDT"):
        sim.submit(req("b", BUY, MARKET, "0.005"), after(0))
    assert sim.order("b").status is OrderStatus.REJECTED


def test_time_in_force_is_for_limit_orders_only():
    from plutarc.models import TimeInForce

    sim, _ = engine(ROWS)
    with pytest.raises(OrderRejected, match="time in force ioc is only for limit orders"):
        sim.submit(req("a", SELL, STOP, "1", stop="90", time_in_force=TimeInForce.IOC), 0)


def test_config_rejects_unknown_keys_with_a_suggestion():
    with pytest.raises(ValidationError) as info:
        SimConfig(slipage_bps=3)
    (message,) = describe_validation_error(info.value, SimConfig, "sim")
    assert "unknown key 'slipage_bps'" in message and "slippage_bps" in message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slippage_bps": 2, "slippage_atr_fraction": 0.1}, "not both"),
        ({"funding_interval_h": 5}, "does not divide 24"),
        ({"max_volume_fraction": 0}, "greater than 0"),
        ({"leverage": 0}, "greater than 0"),
    ],
)
def test_config_rejects_inconsistent_values(changes, message):
    with pytest.raises(ValidationError, match=message):
        SimConfig(**changes)


def test_config_is_frozen():
    with pytest.raises(ValidationError):
        SimConfig().slippage_bps = 4  # type: ignore[misc]


def test_atr_slippage_needs_an_atr_array_of_the_right_length():
    sim = SimMatchingEngine(linear(), SimConfig(slippage_atr_fraction=0.2), SimAccount())
    with pytest.raises(ConfigError, match="needs an ATR array"):
        sim.set_bars(bars(*ROWS))
    with pytest.raises(DataError, match="expected \\(2,\\)"):
        sim.set_bars(bars(*ROWS), atr=np.ones(3))


def test_bars_must_move_forward():
    sim = SimMatchingEngine(linear(), SimConfig(), SimAccount())
    b = bars(*ROWS)
    backwards = type(b)(b.interval_ms, b.ts_ms[::-1].copy(), b.open, b.high, b.low, b.close,
                        b.volume)
    with pytest.raises(DataError, match="strictly increasing"):
        sim.set_bars(backwards)
