"""Fees (maker/taker, overrides), slippage in bps and in ATR, hand-computed."""

import numpy as np

from plutarc.models import Liquidity
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
    (100.0, 101.0, 99.0, 100.5),  # 0
    (100.7, 102.0, 100.0, 101.5),  # 1
    (101.5, 101.8, 96.0, 99.6),  # 2
]


def test_fee_overrides_replace_the_instruments_rates():
    sim, account = engine(ROWS, fee_maker=D("-0.0001"), fee_taker=D("0.001"))
    sim.submit(req("m", BUY, MARKET, "1"), after(0))
    sim.submit(req("l", SELL, LIMIT, "1", "101.9"), after(0))
    taker, maker = sim.process_bar(1)
    assert taker.fee == D("0.1007")  # 100.7 x 0.001
    assert maker.fee == D("-0.01019")  # 101.9 x -0.0001: a rebate
    assert account.fees["USDT"] == D("0.09051")


def test_bps_slippage_moves_taker_fills_against_the_order_and_rounds_to_tick():
    sim, _ = engine(ROWS, slippage_bps=10)
    sim.submit(req("b", BUY, MARKET, "1"), after(0))
    sim.submit(req("s", SELL, MARKET, "1"), after(0))
    buy, sell = sim.process_bar(1)
    assert buy.price == D("100.9")  # 100.7 x 1.001 = 100.8007, up to the tick
    assert sell.price == D("100.5")  # 100.7 x 0.999 = 100.5993, down to the tick


def test_bps_slippage_on_stops_but_not_on_limits_and_capped_by_a_stop_limit():
    sim, _ = engine(ROWS, slippage_bps=10)
    sim.submit(req("sm", SELL, STOP, "1", stop="97.0"), after(1))
    sim.submit(req("sl", SELL, STOP_LIMIT, "1", "97.0", "97.0"), after(1))
    sim.submit(req("lb", BUY, LIMIT, "1", "98.0"), after(1))
    fills = {f.client_id: f for f in sim.process_bar(2)}
    assert fills["sm"].price == D("96.9")  # 97 x 0.999 = 96.903, down to the tick
    assert fills["sl"].price == D("97.0")  # slipped to 96.9 but never past the 97.0 limit
    assert (fills["lb"].price, fills["lb"].liquidity) == (D("98.0"), Liquidity.MAKER)


def test_atr_slippage_uses_the_atr_known_at_the_open():
    atr = np.array([2.0, 4.0, 3.0])
    sim, _ = engine(ROWS, atr=atr, slippage_atr_fraction=0.5)
    sim.submit(req("b", BUY, MARKET, "1"), after(0))
    (buy,) = sim.process_bar(1)
    assert buy.price == D("101.7")  # open 100.7 + 0.5 x atr[0]=2.0
    sim.submit(req("s", SELL, MARKET, "1"), after(1))
    (sell,) = sim.process_bar(2)
    assert sell.price == D("99.5")  # open 101.5 - 0.5 x atr[1]=4.0


def test_atr_slippage_is_zero_while_the_atr_warms_up():
    atr = np.array([np.nan, 4.0, 3.0])
    sim, _ = engine(ROWS, atr=atr, slippage_atr_fraction=0.5)
    sim.submit(req("b", BUY, MARKET, "1"), after(0))
    (buy,) = sim.process_bar(1)
    assert buy.price == D("100.7")
