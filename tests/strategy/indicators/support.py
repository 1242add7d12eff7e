"""Indicator test support: real bundled BTCUSDT 1m candles (no shared data needed) and a
comparison against plain-loop references."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

BTC_1M = Path(__file__).resolve().parents[3] / "plutarc/data/BTCUSDT-1m-2024-01-01_14d.csv.gz"


class Candles(NamedTuple):
    ts_ms: np.ndarray  # int64 bar open times
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    # Binance Vision 12-column headerless kline CSV; the first six columns are OHLCV.
    return pd.read_csv(BTC_1M, header=None, usecols=range(6)).to_numpy(np.float64)


def candles(n: int = 3000) -> Candles:
    """The first ``n`` real bars (fresh arrays: tests may not alter each other's data)."""
    t = _table()[:n]
    return Candles(t[:, 0].astype(np.int64), *(t[:, i].copy() for i in range(1, 6)))


def nan_list(n: int) -> list[float]:
    return [math.nan] * n


def assert_close(got: np.ndarray, want: list[float] | np.ndarray, rtol: float = 1e-9) -> None:
    """Equal up to rounding (relative to the series' scale), NaNs in the same places."""
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    scale = float(np.nanmax(np.abs(want))) if np.isfinite(want).any() else 1.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)
