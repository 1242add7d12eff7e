"""RSI, MACD, slow stochastic, CCI and ROC against textbook plain loops on real candles."""

from __future__ import annotations

import pytest

from plutarc.strategy.indicators import CCI, MACD, ROC, RSI, Stochastic
from tests.strategy.indicators.support import assert_close, candles, nan_list

BARS = candles(3000)
HIGH, LOW, CLOSE = BARS.high.tolist(), BARS.low.tolist(), BARS.close.tolist()
N = len(CLOSE)


def rsi_loop(x: list[float], n: int) -> list[float]:
    """Wilder: first averages are simple means of n changes, then (prev*(n-1) + new)/n."""
    out = nan_list(len(x))
    gains = [max(x[t] - x[t - 1], 0.0) for t in range(1, len(x))]
    losses = [max(x[t - 1] - x[t], 0.0) for t in range(1, len(x))]
    avg_gain, avg_loss = sum(gains[:n]) / n, sum(losses[:n]) / n
    for t in range(n, len(x)):
        if t > n:
            avg_gain = (avg_gain * (n - 1) + gains[t - 1]) / n
            avg_loss = (avg_loss * (n - 1) + losses[t - 1]) / n
        if avg_loss == 0.0:
            out[t] = 100.0 if avg_gain > 0.0 else 50.0
        else:
            out[t] = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    return out


@pytest.mark.parametrize("n", [2, 14, 30])
def test_rsi_matches_wilder(n: int) -> None:
    got = RSI(n).update(BARS.close)
    assert_close(got, rsi_loop(CLOSE, n), rtol=1e-9)
    assert ((got[n:] >= 0) & (got[n:] <= 100)).all()


def ema_from(x: list[float], n: int, start: int) -> list[float]:
    """EMA(span=n) seeded with x[start]; defined from start + n - 1."""
    alpha, out = 2.0 / (n + 1), nan_list(len(x))
    y = x[start]
    for t in range(start, len(x)):
        y = y if t == start else alpha * x[t] + (1 - alpha) * y
        if t >= start + n - 1:
            out[t] = y
    return out


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (3, 10, 1), (5, 6, 4)])
def test_macd_matches_textbook(fast: int, slow: int, signal: int) -> None:
    ema_fast, ema_slow = ema_from(CLOSE, fast, 0), ema_from(CLOSE, slow, 0)
    line = [f - s for f, s in zip(ema_fast, ema_slow, strict=True)]
    sig = ema_from(line, signal, slow - 1)
    hist = [m - s for m, s in zip(line, sig, strict=True)]
    got = MACD(fast, slow, signal).update(BARS.close)
    for g, want in zip(got, (line, sig, hist), strict=True):
        assert_close(g, want, rtol=1e-9)


@pytest.mark.parametrize(("k", "d", "smooth"), [(14, 3, 3), (5, 1, 1), (9, 4, 2)])
def test_stochastic_matches_textbook(k: int, d: int, smooth: int) -> None:
    raw = nan_list(N)
    for t in range(k - 1, N):
        hh, ll = max(HIGH[t - k + 1 : t + 1]), min(LOW[t - k + 1 : t + 1])
        raw[t] = 50.0 if hh == ll else 100.0 * (CLOSE[t] - ll) / (hh - ll)

    def sma(x: list[float], n: int) -> list[float]:
        out = nan_list(N)
        for t in range(n - 1, N):
            window = x[t - n + 1 : t + 1]
            if all(v == v for v in window):
                out[t] = sum(window) / n
        return out

    slow_k = sma(raw, smooth)
    got_k, got_d = Stochastic(k, d, smooth).update(BARS.high, BARS.low, BARS.close)
    assert_close(got_k, slow_k, rtol=1e-9)
    assert_close(got_d, sma(slow_k, d), rtol=1e-9)
    assert ((got_k[k + smooth :] >= 0) & (got_k[k + smooth :] <= 100)).all()


@pytest.mark.parametrize("n", [2, 20, 40])
def test_cci_matches_textbook(n: int) -> None:
    tp = [(h + lo + c) / 3 for h, lo, c in zip(HIGH, LOW, CLOSE, strict=True)]
    want = nan_list(N)
    for t in range(n - 1, N):
        window = tp[t - n + 1 : t + 1]
        mean = sum(window) / n
        mad = sum(abs(v - mean) for v in window) / n
        want[t] = 0.0 if mad == 0 else (tp[t] - mean) / (0.015 * mad)
    assert_close(CCI(n).update(BARS.high, BARS.low, BARS.close), want, rtol=1e-8)


@pytest.mark.parametrize("n", [1, 10])
def test_roc_matches_textbook(n: int) -> None:
    want = nan_list(N)
    for t in range(n, N):
        want[t] = (CLOSE[t] - CLOSE[t - n]) / CLOSE[t - n] * 100.0
    assert_close(ROC(n).update(BARS.close), want, rtol=1e-9)
