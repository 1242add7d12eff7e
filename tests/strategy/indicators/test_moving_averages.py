"""EMA, SMA, WMA against textbook plain loops (and pandas for the EMA) on real closes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from plutarc.strategy.indicators import EMA, SMA, WMA
from tests.strategy.indicators.support import assert_close, candles, nan_list

CLOSE = candles(3000).close


def ema_loop(x: list[float], n: int) -> list[float]:
    alpha = 2.0 / (n + 1)
    out, y = nan_list(len(x)), x[0]
    for t, v in enumerate(x):
        y = v if t == 0 else alpha * v + (1 - alpha) * y
        if t >= n - 1:
            out[t] = y
    return out


@pytest.mark.parametrize("n", [1, 2, 12, 50])
def test_ema_matches_plain_loop_and_pandas(n: int) -> None:
    got = EMA(n).update(CLOSE)
    assert_close(got, ema_loop(CLOSE.tolist(), n), rtol=1e-12)
    want = pd.Series(CLOSE).ewm(span=n, adjust=False).mean().to_numpy().copy()
    want[: n - 1] = np.nan
    assert_close(got, want, rtol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 20, 200])
def test_sma_matches_plain_loop(n: int) -> None:
    x = CLOSE.tolist()
    want = nan_list(len(x))
    for t in range(n - 1, len(x)):
        want[t] = math.fsum(x[t - n + 1 : t + 1]) / n
    assert_close(SMA(n).update(CLOSE), want, rtol=1e-14)


@pytest.mark.parametrize("n", [1, 4, 10, 30])
def test_wma_matches_plain_loop(n: int) -> None:
    x = CLOSE.tolist()
    want = nan_list(len(x))
    for t in range(n - 1, len(x)):
        window = x[t - n + 1 : t + 1]
        want[t] = sum((i + 1) * v for i, v in enumerate(window)) / (n * (n + 1) / 2)
    assert_close(WMA(n).update(CLOSE), want, rtol=1e-13)


def test_sma_of_a_flat_series_is_exactly_the_value() -> None:
    np.testing.assert_array_equal(SMA(7).update(np.full(50, 0.1))[6:], 0.1)
    np.testing.assert_array_equal(WMA(7).update(np.full(50, 0.1))[6:], 0.1)


def test_sma_does_not_drift_along_a_long_series() -> None:
    # A year of 1m bars around 60k: a running-total SMA would carry ~1e-11 relative error
    # by the end; the shifted window sums stay at the rounding of one window.
    rng = np.random.default_rng(3)
    x = 60_000 + np.cumsum(rng.normal(0, 20, 527_040))
    got = SMA(50).update(x)
    for t in (49, 200_000, 527_039):
        exact = math.fsum(x[t - 49 : t + 1].tolist()) / 50
        assert abs(got[t] - exact) <= 4 * math.ulp(exact)


def test_a_scalar_is_a_one_bar_chunk() -> None:
    ema = EMA(1)
    assert ema.update(5.0).tolist() == [5.0]
    assert ema.update(np.float64(6.0)).tolist() == [6.0]
