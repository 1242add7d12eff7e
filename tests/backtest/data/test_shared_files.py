"""The real files in ../shared/data, checked against the figures in its README (skip if absent)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from plutarc.backtest.data import load_candles
from tests.helpers import BTC_YEAR, SHARED_DATA, need_shared

CANDLES = SHARED_DATA / "candles"

pytestmark = pytest.mark.shared_data

# file, format, rows, interval, gaps, missing bars, first open (UTC ms): from the README table
SHARED = [
    ("binance-spot_BTCUSDT_1m/BTCUSDT-1h-2017-08-17_2025-11-30.DERIVED-from-1m.csv.gz",
     "csv+gzip", 72_540, "1h", 28, 128, 1_502_942_400_000),
    ("binance-spot_benicio1007/BTCUSDT_1m_2021.csv.gz", "csv+gzip", 50_000, "1m", 2, 434,
     1_616_727_600_000),
    ("binance-usdm_gravestone-data/BTCUSDT_4h.csv", "csv", 4_500, "4h", 0, 0,
     1_709_150_400_000),
    ("bitstamp-coinbase_mathaszip/BTCUSD_1d_candles_full.csv", "csv", 5_152, "1d", 0, 0,
     1_313_625_600_000),
    ("bitstamp-coinbase_mathaszip/BTCUSD_1w_candles_full.csv", "csv", 737, "1w", 0, 0, None),
    ("bybit-linear_cobra0506/BTCUSDT_5m.csv", "csv", 25_920, "5m", 0, 0, 1_743_699_900_000),
    ("nautilus_trader/ftx_BTC-PERP_1m_20211231-20220201.csv", "csv", 45_031, "1m", 0, 0,
     1_640_991_660_000),
    ("nautilus_trader/binance-spot_ADABTC-1m-2021-11-27.csv", "binance-vision-csv", 10, "1m",
     0, 0, 1_637_971_200_000),
    ("freqtrade/UNITTEST_BTC-1m.feather", "feather", 13_681, "1m", 538, 717, None),
    ("freqtrade/UNITTEST_BTC-1m.json", "json-rows", 13_681, "1m", 538, 717, None),
    ("freqtrade/UNITTEST_BTC-8m.json.gz", "json-rows+gzip", 13_681, "1m", 538, 717, None),
    ("freqtrade/ADA_BTC-5m.feather", "feather", 5_720, "5m", 5, 40, 1_515_560_100_000),
    ("freqtrade/orderflow/candles.json", "json-pandas-columns", 10_999, "5m", 0, 0,
     1_672_677_900_000),
    ("freqtrade/futures/XRP_USDT_USDT-1h-futures.json.gz", "json-rows+gzip", 100, "1h", 0, 0,
     None),
]


@pytest.mark.parametrize(("name", "fmt", "rows", "interval", "gaps", "missing", "first_ms"),
                         SHARED, ids=[s[0].rsplit("/", 1)[-1] for s in SHARED])
def test_shared_candle_files(tmp_path, name, fmt, rows, interval, gaps, missing, first_ms):
    path = CANDLES / name
    need_shared(path)
    loaded = load_candles(path, cache_dir=tmp_path)
    assert (loaded.format, len(loaded.bars), loaded.source_interval) == (fmt, rows, interval)
    assert (len(loaded.gaps), loaded.missing_bars) == (gaps, missing)
    if first_ms is not None:
        assert loaded.first_ms == first_ms


def test_the_same_candles_in_feather_and_json_agree(tmp_path):
    """freqtrade's two copies differ in the last bit of some floats, so their fingerprints
    differ (as they must: the fingerprint is byte-exact); the values agree to 1e-12."""
    feather = CANDLES / "freqtrade/UNITTEST_BTC-1m.feather"
    as_json = CANDLES / "freqtrade/UNITTEST_BTC-1m.json"
    need_shared(feather)
    a = load_candles(feather, cache_dir=tmp_path).bars
    b = load_candles(as_json, cache_dir=tmp_path).bars
    np.testing.assert_array_equal(a.ts_ms, b.ts_ms)
    for name in ("open", "high", "low", "close", "volume"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12)


@pytest.mark.slow
def test_full_year_loads_fast_cold_and_warm(tmp_path):
    """527,040 rows: the backtest budget is 2 s end to end, so loading must take a fraction."""
    need_shared(BTC_YEAR)
    started = time.perf_counter()
    cold = load_candles(BTC_YEAR, cache_dir=tmp_path)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    warm = load_candles(BTC_YEAR, cache_dir=tmp_path)
    warm_s = time.perf_counter() - started
    assert (cold.cache_status, warm.cache_status) == ("absent", "hit")
    assert len(warm.bars) == 527_040 and warm.gaps == [] and warm.source_interval == "1m"
    assert warm.first_ms == 1_704_067_200_000 and warm.last_ms == 1_735_689_540_000
    assert (np.diff(warm.bars.ts_ms) == 60_000).all()
    assert warm.fingerprint == cold.fingerprint
    # Generous bounds for a shared 2-core machine; benchmarks/data_load.py has the real figures.
    assert cold_s < 5.0 and warm_s < 0.5, (cold_s, warm_s)
