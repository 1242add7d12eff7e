"""True range, ATR, Bollinger, Keltner, Donchian, realised volatility and z-score against
textbook plain loops on real candles."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from plutarc.strategy.indicators import (
    ATR,
    Bollinger,
    Donchian,
    Keltner,
    RealizedVol,
    TrueRange,
    ZScore,
)
from tests.strategy.indicators.support import assert_close, candles, nan_list

BARS = candles(3000)
HIGH, LOW, CLOSE = BARS.high.tolist(), BARS.low.tolist(), BARS.close.tolist()
N = len(CLOSE)


def true_range_loop() -> list[float]:
    out = [HIGH[0] - LOW[0]]
    for t in range(1, N):
        prev = CLOSE[t - 1]
        out.append(max(HIGH[t] - LOW[t], abs(HIGH[t] - prev), abs(LOW[t] - prev)))
    return out


def atr_loop(n: int) -> list[float]:
    tr, out = true_range_loop(), nan_list(N)
    atr = sum(tr[:n]) / n
    out[n - 1] = atr
    for t in range(n, N):
        atr = (atr * (n - 1) + tr[t]) / n
        out[t] = atr
    return out


def test_true_range_matches_textbook() -> None:
    got = TrueRange().update(BARS.high, BARS.low, BARS.close)
    np.testing.assert_array_equal(got, true_range_loop())  # max/abs/subtract are exact


@pytest.mark.parametrize("n", [1, 14, 50])
def test_atr_matches_wilder(n: int) -> None:
    assert_close(ATR(n).update(BARS.high, BARS.low, BARS.close), atr_loop(n), rtol=1e-10)


@pytest.mark.parametrize(("n", "k"), [(20, 2.0), (5, 1.5), (1, 2.0)])
def test_bollinger_matches_textbook(n: int, k: float) -> None:
    mid, upper, lower, width = (nan_list(N) for _ in range(4))
    for t in range(n - 1, N):
        window = CLOSE[t - n + 1 : t + 1]
        m, sd = statistics.fmean(window), statistics.pstdev(window)
        mid[t], upper[t], lower[t] = m, m + k * sd, m - k * sd
        width[t] = (upper[t] - lower[t]) / m
    got = Bollinger(n, k).update(BARS.close)
    for g, want in zip(got, (mid, upper, lower, width), strict=True):
        assert_close(g, want, rtol=1e-12)
    # the band half-width itself, not just the level of the bands
    assert_close(got[1] - got[0], np.subtract(upper, mid), rtol=1e-9)


def test_keltner_matches_textbook() -> None:
    n, k, atr_n = 20, 2.0, 10
    alpha, ema, mid = 2.0 / (n + 1), CLOSE[0], nan_list(N)
    for t in range(N):
        ema = CLOSE[0] if t == 0 else alpha * CLOSE[t] + (1 - alpha) * ema
        if t >= n - 1:
            mid[t] = ema
    atr = atr_loop(atr_n)
    upper = [m + k * a for m, a in zip(mid, atr, strict=True)]
    lower = [m - k * a for m, a in zip(mid, atr, strict=True)]
    got = Keltner(n, k, atr_n).update(BARS.high, BARS.low, BARS.close)
    for g, want in zip(got, (mid, upper, lower), strict=True):
        assert_close(g, want, rtol=1e-10)


@pytest.mark.parametrize("n", [1, 20, 55])
def test_donchian_matches_textbook(n: int) -> None:
    upper, lower = nan_list(N), nan_list(N)
    for t in range(n - 1, N):
        upper[t], lower[t] = max(HIGH[t - n + 1 : t + 1]), min(LOW[t - n + 1 : t + 1])
    got_upper, got_lower, got_mid = Donchian(n).update(BARS.high, BARS.low)
    np.testing.assert_array_equal(got_upper, upper)
    np.testing.assert_array_equal(got_lower, lower)
    assert_close(got_mid, (np.array(upper) + np.array(lower)) / 2, rtol=1e-15)


@pytest.mark.parametrize("n", [2, 30, 60])
def test_realized_vol_matches_textbook(n: int) -> None:
    returns = [math.log(CLOSE[t] / CLOSE[t - 1]) for t in range(1, N)]
    want = nan_list(N)
    for t in range(n, N):  # returns[t - 1] is the return into bar t
        want[t] = statistics.stdev(returns[t - n : t])
    assert_close(RealizedVol(n).update(BARS.close), want, rtol=1e-9)


@pytest.mark.parametrize("n", [2, 20, 100])
def test_zscore_matches_textbook(n: int) -> None:
    want = nan_list(N)
    for t in range(n - 1, N):
        window = CLOSE[t - n + 1 : t + 1]
        sd = statistics.pstdev(window)
        want[t] = 0.0 if sd == 0 else (CLOSE[t] - statistics.fmean(window)) / sd
    assert_close(ZScore(n).update(BARS.close), want, rtol=1e-9)


def test_flat_windows_give_exact_zero_dispersion() -> None:
    x = np.concatenate((np.linspace(100, 101, 30), np.full(40, 100.7)))
    mid, upper, lower, width = Bollinger(10, 2.0).update(x)
    np.testing.assert_array_equal(upper[-30:], 100.7)
    np.testing.assert_array_equal(lower[-30:], 100.7)
    np.testing.assert_array_equal(width[-30:], 0.0)
    np.testing.assert_array_equal(ZScore(10).update(x)[-30:], 0.0)
    np.testing.assert_array_equal(RealizedVol(10).update(x)[-29:], 0.0)
