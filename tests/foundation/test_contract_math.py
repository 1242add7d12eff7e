"""Contract maths from worked examples (arithmetic in the comments)."""

from decimal import Decimal as D

import pytest

from plutarc.models import ContractKind, Instrument, Side
from plutarc.models import contract_math as cm


def _inst(kind, mult="1", tick="0.5", lot="1", settle="USDT", mmr="0.005"):
    return Instrument(venue="t", symbol="X", base="BTC", quote="USD", settle=settle, kind=kind,
                      tick_size=D(tick), lot_size=D(lot), multiplier=D(mult),
                      maintenance_margin_rate=D(mmr))


LINEAR = _inst(ContractKind.LINEAR, tick="0.1", lot="0.001")
INVERSE = _inst(ContractKind.INVERSE, settle="BTC")  # XBTUSD: 1 USD per contract
QUANTO = _inst(ContractKind.QUANTO, mult="0.000001", settle="BTC")  # ETHUSD: 100 sat per $1


def test_linear_long():
    # 0.5 BTC long from 40,000 to 42,000: 0.5 x 2,000 = 1,000 USDT
    assert cm.pnl(LINEAR, D("0.5"), D(40000), D(42000)) == D(1000)
    # notional 0.5 x 42,000 = 21,000; margin at 10x on entry: 0.5 x 40,000 / 10 = 2,000
    assert cm.notional(LINEAR, D("0.5"), D(42000)) == D(21000)
    assert cm.initial_margin(LINEAR, D("0.5"), D(40000), D(10)) == D(2000)
    # taker 0.075 % of 21,000 = 15.75
    assert cm.fee(LINEAR, D("0.5"), D(42000), D("0.00075")) == D("15.75")


def test_linear_short_loses_when_price_rises():
    assert cm.pnl(LINEAR, D("-2"), D(100), D(110)) == D(-20)


def test_inverse_long_and_short():
    # 10,000 contracts long 50,000 -> 55,000: 10,000 x (1/50,000 - 1/55,000) = 0.0181818... BTC
    got = cm.pnl(INVERSE, D(10000), D(50000), D(55000))
    assert got == pytest.approx(D("0.01818181818181818181818"), abs=D("1e-20"))
    # short 50,000 -> 45,000: -10,000 x (1/50,000 - 1/45,000) = 0.0222... BTC
    assert cm.pnl(INVERSE, D(-10000), D(50000), D(45000)) == pytest.approx(
        D("0.02222222222222222222222"), abs=D("1e-20"))
    # notional in coin: 10,000 / 50,000 = 0.2 BTC
    assert cm.notional(INVERSE, D(10000), D(50000)) == D("0.2")


def test_quanto():
    # 1 contract long 2,000 -> 2,100 at 0.000001 BTC per $: 100 x 0.000001 = 0.0001 BTC
    assert cm.pnl(QUANTO, D(1), D(2000), D(2100)) == D("0.0001")
    assert cm.notional(QUANTO, D(1), D(2000)) == D("0.002")


def test_liquidation_prices():
    # linear long 10x, mmr 0.5 %: 40,000 x (1 - 0.1) / (1 - 0.005) = 36,180.9045...
    assert cm.liquidation_price(LINEAR, D(1), D(40000), D(10)) == pytest.approx(
        D("36180.90452261306532663316583"), abs=D("1e-18"))
    # linear short 10x: 40,000 x 1.1 / 1.005 = 43,781.09...
    assert cm.liquidation_price(LINEAR, D(-1), D(40000), D(10)) == pytest.approx(
        D("43781.09452736318407960199005"), abs=D("1e-18"))
    # inverse long 10x: 50,000 x 1.005 / 1.1 = 45,681.818...
    assert cm.liquidation_price(INVERSE, D(1), D(50000), D(10)) == pytest.approx(
        D("45681.81818181818181818181818"), abs=D("1e-18"))
    # at the liquidation price, margin + PnL equals maintenance margin (inverse long)
    liq = cm.liquidation_price(INVERSE, D(1000), D(50000), D(10))
    margin = cm.initial_margin(INVERSE, D(1000), D(50000), D(10))
    left = margin + cm.pnl(INVERSE, D(1000), D(50000), liq)
    assert left == pytest.approx(D("0.005") * cm.notional(INVERSE, D(1000), liq), abs=D("1e-20"))


def test_average_entry():
    assert cm.average_entry(LINEAR, D(1), D(100), D(1), D(200)) == D(150)
    # inverse averages the reciprocal: 2 / (1/100 + 1/200) = 133.33...
    assert cm.average_entry(INVERSE, D(1), D(100), D(1), D(200)) == pytest.approx(
        D("133.3333333333333333333333333"), abs=D("1e-20"))


def test_tick_and_lot_rounding():
    inst = _inst(ContractKind.LINEAR, tick="0.5", lot="0.001")
    assert inst.round_price(100.26) == D("100.5")  # 200.52 ticks -> 201
    assert inst.round_price(100.26, "down") == D("100.0")
    assert inst.round_price(100.01, "up") == D("100.5")
    assert inst.round_price_passive(100.3, Side.BUY) == D("100.0")
    assert inst.round_price_passive(100.3, Side.SELL) == D("100.5")
    assert inst.round_qty(0.0123456) == D("0.012")  # never more than asked
    assert inst.round_qty(D("0.0129999")) == D("0.012")
    assert not inst.qty_is_tradable(D("0.0125"))


def test_bad_instrument_is_refused():
    with pytest.raises(ValueError, match="tick and lot sizes must be positive"):
        _inst(ContractKind.LINEAR, tick="0")
