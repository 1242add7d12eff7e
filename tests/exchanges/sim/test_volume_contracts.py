"""The volume budget: candle volume is in base units on every venue, and becomes contracts
through the contract maths (an inverse XBTUSD-like contract is 1 USD, so 2 BTC at 100 is
200 contracts)."""

from plutarc.models import ContractKind
from tests.exchanges.sim.sim_helpers import BUY, MARKET, D, after, engine, inverse, linear, req

ROWS = [
    (100.0, 100.5, 99.5, 100.0, 2.0),  # 0
    (100.0, 100.5, 99.5, 100.0, 2.0),  # 1: 10 % of 2 BTC = 0.2 BTC
]


def test_inverse_budget_is_base_volume_times_price_in_one_usd_contracts():
    sim, _ = engine(ROWS, inverse(), cash=100, max_volume_fraction=0.1)
    sim.submit(req("m", BUY, MARKET, "50", symbol="BTCUSD"), after(0))
    (fill,) = sim.process_bar(1)
    assert fill.qty == D(20)  # 0.2 BTC at 100 USD = 20 contracts, not 0.2


def test_linear_budget_with_a_contract_multiplier():
    # XBTUSDT-like: one contract is 1e-6 BTC, so 0.2 BTC is 200,000 contracts
    inst = linear(multiplier=D("0.000001"), lot_size=D(1000), min_qty=D(1000))
    assert inst.kind is ContractKind.LINEAR
    sim, _ = engine(ROWS, inst, max_volume_fraction=0.1)
    sim.submit(req("m", BUY, MARKET, "500000"), after(0))
    (fill,) = sim.process_bar(1)
    assert fill.qty == D(200_000)
