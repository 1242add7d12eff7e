"""Funding: every N hours from 00:00 UTC the position pays qty-notional at the bar's open x rate."""

import numpy as np
import pytest

from plutarc.errors import ConfigError
from plutarc.exchanges.sim import SimAccount, SimConfig, SimMatchingEngine
from plutarc.strategy.context import TimeSeries
from tests.exchanges.sim.sim_helpers import (
    BUY,
    HOUR,
    MARKET,
    SELL,
    D,
    after,
    bars,
    engine,
    inverse,
    linear,
    req,
)

DAY0 = 1_704_067_200_000  # 2024-01-01 00:00 UTC
START = DAY0 + 6 * HOUR  # hourly bars from 06:00
ROWS = [
    (100.0, 100.5, 99.5, 100.0),  # 06:00
    (100.0, 101.0, 99.8, 100.8),  # 07:00 entries fill here
    (101.0, 101.5, 100.5, 101.2),  # 08:00 funding time at this bar's open
    (101.2, 101.4, 100.9, 101.0),  # 09:00
]


def _hourly(inst=None, cash=100_000, funding=None, **config):
    sim, account = engine(bars(*ROWS, start_ms=START, interval_ms=HOUR), inst or linear(),
                          cash=cash, funding=funding, **config)
    return sim, account


def _at(i: int) -> int:
    return after(i, HOUR, START)


def test_long_pays_positive_funding_at_the_open_of_the_funding_bar():
    sim, account = _hourly(funding_rate_constant=0.0001)
    sim.submit(req("e", BUY, MARKET, "2"), _at(0))
    sim.process_bar(1)  # long 2 at 100.0, fee 0.1
    assert sim.next_event_bar(2, 4) == 2
    sim.process_bar(2)
    (payment,) = sim.funding_payments
    # 2 x 101.0 (the 08:00 open) x 0.0001 = 0.0202 paid
    assert (payment.ts_ms, payment.amount, payment.price) == (DAY0 + 8 * HOUR, D("0.0202"),
                                                              D("101.0"))
    assert account.funding["USDT"] == D("0.0202")
    assert account.balance("USDT") == D("100000") - D("0.1") - D("0.0202")
    assert sim.position.funding == D("0.0202")
    sim.process_bar(3)  # no funding at 09:00
    assert len(sim.funding_payments) == 1


def test_short_receives_positive_funding():
    sim, account = _hourly(funding_rate_constant=0.0001)
    sim.submit(req("e", SELL, MARKET, "2"), _at(0))
    sim.process_bar(1)
    sim.process_bar(2)
    assert sim.funding_payments[0].amount == D("-0.0202")
    assert account.funding["USDT"] == D("-0.0202")


def test_a_position_opened_at_the_funding_bars_open_does_not_pay():
    sim, _ = _hourly(funding_rate_constant=0.0001)
    sim.submit(req("e", BUY, MARKET, "2"), _at(1))  # fills at 08:00's open, after funding
    sim.process_bar(2)
    assert sim.position.qty == D("2") and sim.funding_payments == []


def test_rates_from_a_series_with_jittered_stamps_and_a_missing_rate():
    # venues stamp 08:00 funding a few ms late; 16:00 has no rate in the series
    series = TimeSeries(np.array([DAY0 + 8 * HOUR + 7, DAY0 + 24 * HOUR + 3], np.int64),
                        np.array([-0.0003, 0.0002]))
    day = [(100.0, 100.5, 99.5, 100.0)] * 4 + [(101.0, 101.5, 100.5, 101.0)] * 20
    sim, account = engine(bars(*day, start_ms=DAY0 + 4 * HOUR, interval_ms=HOUR), linear(),
                          funding=series)
    sim.submit(req("e", BUY, MARKET, "1"), DAY0 + 5 * HOUR)
    for i in range(1, 24):
        sim.process_bar(i)
    # bars 04:00 .. 03:00 next day. 08:00: 1 x 101.0 x -0.0003 = -0.0303 (a long receives a
    # negative rate); 16:00: no rate within a minute of it -> skipped and counted;
    # 00:00 next day: 1 x 101.0 x 0.0002 = 0.0202
    assert [p.amount for p in sim.funding_payments] == [D("-0.0303"), D("0.0202")]
    assert sim.funding.missing == 1
    assert account.funding["USDT"] == D("-0.0101")


def test_a_daily_bar_holds_three_funding_times():
    rows = [(100.0, 100.0, 100.0, 100.0), (100.0, 101.0, 99.0, 100.0)]
    sim, _ = engine(bars(*rows, start_ms=DAY0, interval_ms=24 * HOUR), linear(),
                    funding_rate_constant=0.0001)
    sim.submit(req("e", BUY, MARKET, "1"), DAY0 + 24 * HOUR)
    sim.process_bar(1)  # fills at the open, 00:00, after the 00:00 funding
    assert sim.funding_payments == []
    sim2, _ = engine(bars(*rows, *rows, start_ms=DAY0, interval_ms=24 * HOUR), linear(),
                     funding_rate_constant=0.0001)
    sim2.submit(req("e", BUY, MARKET, "1"), DAY0 + 24 * HOUR)
    sim2.process_bar(1)
    sim2.process_bar(2)  # 00:00, 08:00, 16:00 of day 3, each 1 x 100.0 x 0.0001
    assert [p.amount for p in sim2.funding_payments] == [D("0.0100")] * 3


def test_inverse_funding_is_paid_in_the_coin():
    rows = [(40000.0, 40100.0, 39900.0, 40000.0)] * 4
    sim, account = engine(bars(*rows, start_ms=START, interval_ms=HOUR), inverse(), cash=1,
                          funding_rate_constant=0.0001)
    sim.submit(req("e", BUY, MARKET, "1000", symbol="BTCUSD"), _at(0))
    sim.process_bar(1)
    sim.process_bar(2)
    # notional 1000 / 40000 = 0.025 BTC x 0.0001 = 0.0000025 BTC
    assert sim.funding_payments[0].amount == D("0.0000025")
    assert account.funding["BTC"] == D("0.0000025")


def test_constant_rate_and_series_together_are_refused():
    series = TimeSeries(np.array([DAY0], np.int64), np.array([0.0001]))
    with pytest.raises(ConfigError, match="not both"):
        SimMatchingEngine(linear(), SimConfig(funding_rate_constant=0.0001), SimAccount(),
                          funding=series)
