"""Real market data for the component tests: BTCUSDT 1m candles (14 days), resamples, and a
market context with real funding and open-interest readings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plutarc
from plutarc.intervals import interval_ms
from plutarc.strategy.context import MarketContext, TimeSeries
from plutarc.strategy.series import Bars, resample

DATA = Path(plutarc.__file__).parent / "data"
HOUR_MS = 3_600_000


def load_binance_vision(path: Path) -> Bars:
    """Binance Vision 12-column headerless kline CSV (epoch-ms open times) as 1m bars."""
    frame = pd.read_csv(path, header=None, usecols=range(6), dtype=np.float64)
    cols = [frame[i].to_numpy() for i in range(6)]
    return Bars(60_000, cols[0].astype(np.int64), *cols[1:])


def restamped(path: Path, value_column: str, start_ms: int) -> TimeSeries:
    """A real series moved onto the candle window: the bundled funding and OI files come
    from another period, so their first stamp is shifted to ``start_ms``. Values, order and
    spacing are kept; the stamps' few-ms jitter is rounded to the hour."""
    frame = pd.read_csv(path)
    stamps = (frame["timestamp"].to_numpy(np.int64) + HOUR_MS // 2) // HOUR_MS * HOUR_MS
    stamps = stamps - stamps[0] + start_ms
    return TimeSeries(stamps, frame[value_column].to_numpy(np.float64))


@pytest.fixture(scope="session")
def btc_1m() -> Bars:
    return load_binance_vision(DATA / "BTCUSDT-1m-2024-01-01_14d.csv.gz")


@pytest.fixture(scope="session")
def bars_at(btc_1m: Bars) -> Callable[[str], Bars]:
    """The 14 days at any strategy interval (closed groups only)."""
    cache: dict[str, Bars] = {}

    def get(interval: str) -> Bars:
        if interval not in cache:
            cache[interval] = resample(btc_1m, interval_ms(interval))
        return cache[interval]

    return get


@pytest.fixture(scope="session")
def real_context(btc_1m: Bars) -> MarketContext:
    start = int(btc_1m.ts_ms[0])
    return MarketContext(
        funding=restamped(DATA / "BTCUSDT_funding.csv", "funding_rate", start),
        open_interest=restamped(DATA / "BTCUSDT_oi_4h.csv", "sum_open_interest", start),
    )
