"""Funding and open-interest files as TimeSeries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plutarc.backtest.data import load_funding, load_open_interest
from plutarc.errors import DataError
from tests.backtest.data import samples
from tests.helpers import BUNDLED, SHARED_DATA, need_shared

FUNDING = BUNDLED / "BTCUSDT_funding.csv"
OPEN_INTEREST = BUNDLED / "BTCUSDT_oi_4h.csv"
EIGHT_H = 8 * 3_600_000


def test_gravestone_funding_is_rounded_to_the_minute():
    raw = pd.read_csv(FUNDING)
    series = load_funding(FUNDING)
    assert len(series.ts_ms) == len(raw) == 200
    assert (raw["timestamp"] % 60_000 != 0).any()  # the file really has jitter
    assert (series.ts_ms % 60_000 == 0).all()
    assert int(series.ts_ms[1]) == 1_768_262_400_000  # 1768262400007 in the file
    np.testing.assert_array_equal(series.values, raw["funding_rate"].to_numpy())
    assert (np.diff(series.ts_ms) == EIGHT_H).all()
    # A value is known from its (rounded) stamp on: at the funding time, not a ms later.
    assert series.at(np.array([1_768_262_400_000]))[0] == raw["funding_rate"][1]


def test_freqtrade_funding_feather_reads_the_rate_from_open(tmp_path):
    stamps = pd.to_datetime([1_637_193_600_017, 1_637_222_400_007, 1_637_251_200_011],
                            unit="ms", utc=True)
    rates = [0.0001, -0.00005, 0.00012]
    pd.DataFrame({"date": stamps, "open": rates, "high": 0.0, "low": 0.0, "close": 0.0,
                  "volume": 0.0}).to_feather(tmp_path / "XRP_USDT_USDT-8h-funding_rate.feather")
    series = load_funding(tmp_path / "XRP_USDT_USDT-8h-funding_rate.feather")
    np.testing.assert_array_equal(series.ts_ms, [1_637_193_600_000, 1_637_222_400_000,
                                                 1_637_251_200_000])
    np.testing.assert_array_equal(series.values, rates)


def test_shared_freqtrade_funding_file():
    path = SHARED_DATA / "candles/freqtrade/futures/XRP_USDT_USDT-8h-funding_rate.feather"
    need_shared(path)
    series = load_funding(path)
    assert len(series.ts_ms) == 91 and (series.ts_ms % EIGHT_H == 0).all()
    assert series.values[0] == 0.0001


def test_a_candle_file_is_not_mistaken_for_funding(tmp_path):
    path = samples.write_arrow(tmp_path / "BTC-8h.feather", samples.reference(20), "feather")
    with pytest.raises(DataError) as caught:
        load_funding(path)
    assert str(caught.value) == ("BTC-8h.feather: looks like a candle file, not funding rates: "
                                 "freqtrade funding files have zeros in 'high'")


def test_funding_errors(tmp_path):
    daily = tmp_path / "BTC_funding_rates_daily.csv"
    daily.write_text("date,funding_mean,funding_abs\n2019-09-10,1e-04,1e-04\n")
    with pytest.raises(DataError) as caught:
        load_funding(daily)
    assert str(caught.value) == ("BTC_funding_rates_daily.csv: no funding-rate column "
                                 "(funding_rate); columns are date, funding_mean, funding_abs")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("timestamp,symbol,funding_rate\n1768233600000,BTCUSDT,0.0001\n"
                     "1768233600000,ETHUSDT,0.0002\n")
    with pytest.raises(DataError, match="mixed.csv: holds several symbols \\(BTCUSDT, ETHUSDT\\)"):
        load_funding(mixed)
    close = tmp_path / "close.csv"
    close.write_text("timestamp,symbol,funding_rate\n1768233600000,BTCUSDT,0.0001\n"
                     "1768233600020,BTCUSDT,0.0002\n")
    with pytest.raises(DataError, match="close.csv: duplicate timestamp 2026-01-12 16:00 UTC"):
        load_funding(close)


def test_gravestone_open_interest_uses_the_quote_value():
    raw = pd.read_csv(OPEN_INTEREST)
    series = load_open_interest(OPEN_INTEREST)
    assert len(series.ts_ms) == 168
    np.testing.assert_array_equal(series.ts_ms, raw["timestamp"].to_numpy())
    np.testing.assert_array_equal(series.values, raw["sum_open_interest_value"].to_numpy())


def test_open_interest_errors(tmp_path):
    contracts_only = tmp_path / "oi.csv"
    contracts_only.write_text("timestamp,symbol,sum_open_interest\n1771560000000,BTCUSDT,1.5\n")
    with pytest.raises(DataError) as caught:
        load_open_interest(contracts_only)
    assert str(caught.value) == ("oi.csv: no open-interest value column "
                                 "(sum_open_interest_value); columns are timestamp, symbol, "
                                 "sum_open_interest")
    empty_value = tmp_path / "gap.csv"
    empty_value.write_text("timestamp,symbol,sum_open_interest_value\n"
                           "1771560000000,BTCUSDT,1.5\n1771574400000,BTCUSDT,\n")
    with pytest.raises(DataError, match="gap.csv: empty value in column "
                                        "'sum_open_interest_value' at data row 2"):
        load_open_interest(empty_value)
    with pytest.raises(DataError, match="nope.csv: file not found"):
        load_open_interest(tmp_path / "nope.csv")
