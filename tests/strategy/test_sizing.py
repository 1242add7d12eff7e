"""Sizing in contracts: every mode's base/quote/settle amount goes through the contract
maths of the instrument's kind (linear, inverse, quanto), using recorded BitMEX rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES
from plutarc.exchanges.bitmex.parse_market import instrument_from_wire
from plutarc.exchanges.bitmex.schemas import WireInstrument
from plutarc.models import ContractKind, Instrument
from plutarc.models import contract_math as cm
from plutarc.strategy.sizing import entry_quantity
from plutarc.strategy.template import Sizing
from tests.exchanges.bitmex.conftest import load

D = Decimal
NAN = float("nan")


def bitmex(symbol: str) -> Instrument:
    rows = load("http/instrument_active_2021-07-22.json")
    rows.append(load("http/instrument_ltcusdt_2022-01-14.json"))
    row = next(r for r in rows if r["symbol"] == symbol)
    return instrument_from_wire(WireInstrument.of(row), DEFAULT_CURRENCIES)


# XBTUSDT: multiplier 1 in USDt (1e-6 USDT per contract per $), lot 1000 = 0.001 XBT
# (fact sheet bitmex.md section 7, ccxt fetchMarkets comment 2022-10-16)
XBTUSDT = Instrument("bitmex", "BTCUSDT", "BTC", "USDT", "USDT", ContractKind.LINEAR,
                     D("0.5"), D(1000), multiplier=D("0.000001"), min_qty=D(1000),
                     venue_symbol="XBTUSDT")


def size(mode: str, value: float, inst: Instrument, price: float, equity: float = 0.0,
         stop: float = NAN) -> tuple[Decimal, str]:
    return entry_quantity(Sizing(mode=mode, value=value), inst, price, equity, stop)


def test_fixed_base_on_xbtusdt_is_ten_thousand_contracts_not_zero():
    qty, problem = size("fixed_base", 0.01, XBTUSDT, 20933.0)
    assert (qty, problem) == (D(10_000), "")
    assert cm.notional(XBTUSDT, qty, D(20933)) == D("209.33")  # 0.01 BTC at 20,933 USDT


def test_every_mode_on_a_linear_usdt_contract():
    ltc = bitmex("LTCUSDT")  # 1 contract = 0.0001 LTC, lot 1000
    assert ltc.kind is ContractKind.LINEAR and ltc.multiplier == D("0.0001")
    assert size("fixed_base", 10, ltc, 143.811) == (D(100_000), "")
    assert size("fixed_quote", 1000, ltc, 143.811) == (D(69_000), "")  # 69,535 down to lot
    qty, _ = size("equity_pct", 50, ltc, 143.811, equity=2000.0)  # 1000 USDT notional
    assert qty == D(69_000)
    qty, _ = size("risk_pct", 1, ltc, 143.811, equity=2000.0, stop=133.811)  # 20 USDT at $10
    assert qty == D(20_000)


def test_every_mode_on_an_inverse_contract():
    xbtusd = bitmex("XBTUSD")  # 1 contract = 1 USD, lot 100
    assert xbtusd.kind is ContractKind.INVERSE
    assert size("fixed_base", 0.01, xbtusd, 32180.0) == (D(300), "")  # 321.8 USD
    assert size("fixed_quote", 1000, xbtusd, 32180.0) == (D(1000), "")
    qty, _ = size("equity_pct", 100, xbtusd, 32180.0, equity=0.1)  # 0.1 BTC = 3218 USD
    assert qty == D(3200)
    qty, _ = size("risk_pct", 1, xbtusd, 32000.0, equity=1.0, stop=30000.0)
    # loss per contract 1/30000 - 1/32000 BTC; 0.01 BTC / that = 4800 contracts
    assert qty == D(4800)


def test_every_mode_on_a_quanto_contract_uses_the_live_rate():
    ethusd = bitmex("ETHUSD")  # 100 XBt per $ of ETH price; 3108 XBt per USD that day
    assert ethusd.kind is ContractKind.QUANTO and ethusd.quote_to_settle == D("0.00003108")
    # 1 ETH at $2003.93 is $2003.93 = 0.0622822 XBT; one contract is 0.00200393 XBT
    assert size("fixed_base", 1, ethusd, 2003.93) == (D(31), "")
    assert size("fixed_quote", 2003.93, ethusd, 2003.93) == (D(31), "")
    qty, _ = size("equity_pct", 100, ethusd, 2003.93, equity=0.0622822)
    assert qty == D(31)
    qty, _ = size("risk_pct", 1, ethusd, 2000.0, equity=1.0, stop=1900.0)  # 100 x 1e-6 XBT
    assert qty == D(100)


def test_quanto_without_its_rate_refuses_base_and_quote_sizing_with_a_reason():
    ethusd = bitmex("ETHUSD")
    bare = Instrument(**{f: getattr(ethusd, f) for f in ethusd.__slots__
                         if f != "quote_to_settle"})
    qty, problem = size("fixed_quote", 1000, bare, 2003.93)
    assert qty == 0 and "quanto" in problem and "USD->BTC rate" in problem
    assert size("equity_pct", 100, bare, 2003.93, equity=0.0622822)[0] == D(31)


@pytest.mark.parametrize("symbol", ["XBTUSD", "LTCUSDT", "ETHUSD"])
def test_conversions_invert_notional(symbol):
    inst, price = bitmex(symbol), D("1234.5")
    settle = D("0.37")
    assert cm.notional(inst, cm.contracts_for_settle(inst, settle, price), price) == \
        pytest.approx(settle, rel=D("1e-20"))
    if inst.kind is not ContractKind.QUANTO:
        quote = D(5000)
        assert cm.quote_notional(inst, cm.contracts_for_quote(inst, quote, price), price) == \
            pytest.approx(quote, rel=D("1e-20"))


def test_a_size_under_the_lot_says_so():
    qty, problem = size("fixed_base", 0.0001, XBTUSDT, 20933.0)
    assert qty == 0 and problem == "sizing: 100 contracts is below the minimum 1000"
