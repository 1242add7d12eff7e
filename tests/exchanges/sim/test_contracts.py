"""Inverse and quanto contracts: PnL and fees in the coin, hand-computed."""

from decimal import Decimal

from plutarc.models import ContractKind
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
    (40000.0, 40100.0, 39900.0, 40000.0),  # 0
    (40000.0, 40500.0, 39800.0, 40400.0),  # 1: entries fill at 40000
    (40400.0, 44100.0, 40300.0, 44000.0),  # 2: trades through 44000
]
TINY = Decimal("1e-24")


def test_inverse_long_round_trip_in_btc():
    sim, account = engine(ROWS, inverse(), cash=1)
    sim.submit(req("e", BUY, MARKET, "1000", symbol="BTCUSD"), after(0))
    (entry,) = sim.process_bar(1)
    # taker fee in coin: 1000 contracts x 1 USD / 40000 x 0.00075 = 0.00001875 BTC
    assert (entry.price, entry.fee, entry.fee_currency) == (D("40000"), D("0.00001875"), "BTC")
    sim.submit(req("x", SELL, LIMIT, "1000", "44000", symbol="BTCUSD"), after(1))
    (exit_,) = sim.process_bar(2)
    # maker rebate: 1000 / 44000 x -0.00025 = -1/176000 BTC
    assert abs(exit_.fee - D(-1) / D(176000)) < TINY
    # PnL: 1000 x (1/40000 - 1/44000) = 1000 x 4000 / (40000 x 44000) = 1/440 BTC
    assert abs(sim.position.realised - D(1) / D(440)) < TINY
    expected = D(1) + D(1) / D(440) - D("0.00001875") + D(1) / D(176000)
    assert abs(account.balance("BTC") - expected) < TINY


def test_inverse_short_stopped_out():
    rows = [ROWS[0], ROWS[1], (40400.0, 42500.0, 40300.0, 42300.0)]
    sim, account = engine(rows, inverse(), cash=1)
    sim.submit(req("e", SELL, MARKET, "2000", symbol="BTCUSD"), after(0))
    sim.process_bar(1)  # short 2000 at 40000
    sim.submit(req("sl", BUY, STOP, "2000", stop="42000", symbol="BTCUSD"), after(1))
    (stop,) = sim.process_bar(2)
    assert stop.price == D("42000")
    # PnL: -2000 x (1/40000 - 1/42000) = -2000 x 2000 / (40000 x 42000) = -1/420 BTC
    assert abs(sim.position.realised + D(1) / D(420)) < TINY
    # fees: 2000/40000 x 0.00075 + 2000/42000 x 0.00075 = 0.0000375 + 1/28000
    fees = D("0.0000375") + D(1) / D(28000)
    assert abs(account.fees["BTC"] - fees) < TINY
    assert abs(account.balance("BTC") - (1 - D(1) / D(420) - fees)) < TINY


def test_quanto_pnl_uses_the_multiplier():
    eth = linear(symbol="ETHUSD", base="ETH", quote="USD", settle="BTC", kind=ContractKind.QUANTO,
                 multiplier=D("0.000001"), tick_size=D("0.05"), lot_size=D("1"), min_qty=D("1"),
                 taker_fee=D("0.00075"))
    rows = [(2000.0, 2010.0, 1990.0, 2000.0), (2000.0, 2050.0, 1995.0, 2040.0),
            (2040.0, 2210.0, 2030.0, 2200.0)]
    sim, account = engine(rows, eth, cash=1)
    sim.submit(req("e", BUY, MARKET, "10", symbol="ETHUSD"), after(0))
    (entry,) = sim.process_bar(1)
    # fee: 10 x 0.000001 BTC/USD x 2000 x 0.00075 = 0.000015 BTC
    assert entry.fee == D("0.000015")
    sim.submit(req("x", SELL, LIMIT, "10", "2200", symbol="ETHUSD"), after(1))
    sim.process_bar(2)
    # PnL: 10 x 0.000001 x (2200 - 2000) = 0.002 BTC; maker fee 10 x 0.000001 x 2200 x 0.0002
    assert sim.position.realised == D("0.002")
    assert account.balance("BTC") == 1 + D("0.002") - D("0.000015") - D("0.0000044")
