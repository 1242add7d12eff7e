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
from plutarc.strategy.components.base import Component
from plutarc.strategy.components.registry import get
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


@pytest.fixture(scope="session")
def build() -> Callable[..., Component]:
    """A catalog component with default parameters, some overridden."""

    def make(component_id: str, **overrides: object) -> Component:
        cls = get(component_id)
        params = {p.name: p.default for p in cls.spec.params}
        unknown = set(overrides) - set(params)
        assert not unknown, f"{component_id} has no parameter {unknown}"
        return cls(params | overrides)

    return make


@pytest.fixture(scope="session")
def path_bars() -> Callable[..., Bars]:
    """Hand-drawn 1m bars for rule tests: closes follow ``steps`` from ``start``; each bar
    opens at the previous close and its wicks reach 0.05 beyond its body."""

    def make(steps: list[float], start: float = 100.0, volume: float = 1.0) -> Bars:
        close = start + np.cumsum(np.r_[0.0, steps])
        open_ = np.r_[close[0], close[:-1]]
        ts = np.arange(close.size, dtype=np.int64) * 60_000 + 1_704_067_200_000
        high = np.maximum(open_, close) + 0.05
        low = np.minimum(open_, close) - 0.05
        return Bars(60_000, ts, open_, high, low, close, np.full(close.size, volume))

    return make
