"""ADX/DMI, Supertrend, Choppiness and least-squares slope against textbook plain loops on
real candles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from plutarc.strategy.indicators import ADX, Choppiness, Slope, Supertrend
from tests.strategy.indicators.support import assert_close, candles, nan_list

BARS = candles(3000)
HIGH, LOW, CLOSE = BARS.high.tolist(), BARS.low.tolist(), BARS.close.tolist()
N = len(CLOSE)


def true_ranges() -> list[float]:
    return [HIGH[0] - LOW[0]] + [
        max(HIGH[t] - LOW[t], abs(HIGH[t] - CLOSE[t - 1]), abs(LOW[t] - CLOSE[t - 1]))
        for t in range(1, N)
    ]


def adx_loop(n: int) -> tuple[list[float], list[float], list[float]]:
    """Wilder's own bookkeeping: running n-period sums (TR14 = TR14 - TR14/14 + TR)."""
    tr = true_ranges()
    pdm, mdm = [0.0] * N, [0.0] * N
    for t in range(1, N):
        up, down = HIGH[t] - HIGH[t - 1], LOW[t - 1] - LOW[t]
        pdm[t] = up if up > down and up > 0 else 0.0
        mdm[t] = down if down > up and down > 0 else 0.0
    adx, pdi, mdi = nan_list(N), nan_list(N), nan_list(N)
    s_tr, s_p, s_m = sum(tr[1 : n + 1]), sum(pdm[1 : n + 1]), sum(mdm[1 : n + 1])
    dxs: list[float] = []
    for t in range(n, N):
        if t > n:
            s_tr, s_p, s_m = (
                s - s / n + v for s, v in ((s_tr, tr[t]), (s_p, pdm[t]), (s_m, mdm[t]))
            )
        pdi[t] = 100 * s_p / s_tr if s_tr else 0.0
        mdi[t] = 100 * s_m / s_tr if s_tr else 0.0
        total = pdi[t] + mdi[t]
        dxs.append(100 * abs(pdi[t] - mdi[t]) / total if total else 0.0)
        if len(dxs) == n:
            adx[t] = sum(dxs) / n
        elif len(dxs) > n:
            adx[t] = (adx[t - 1] * (n - 1) + dxs[-1]) / n
    return adx, pdi, mdi


@pytest.mark.parametrize("n", [14, 5, 1])
def test_adx_matches_wilder(n: int) -> None:
    got = ADX(n).update(BARS.high, BARS.low, BARS.close)
    for g, want in zip(got, adx_loop(n), strict=True):
        assert_close(g, want, rtol=1e-9)
    assert np.isnan(got[0][: 2 * n - 1]).all() and not np.isnan(got[0][2 * n - 1])


def supertrend_loop(n: int, mult: float) -> tuple[list[float], list[float]]:
    """The classic formulation: carry the final bands, follow whichever band the previous
    supertrend sat on. Which band that was is tracked by name: on real data the two final
    bands can be equal (bar 238 here with n=1), so comparing values would be ambiguous."""
    tr = true_ranges()
    line, direction = nan_list(N), nan_list(N)
    atr = sum(tr[:n]) / n
    on_upper = True
    for t in range(n - 1, N):
        if t >= n:
            atr = (atr * (n - 1) + tr[t]) / n
        basic_up = (HIGH[t] + LOW[t]) / 2 + mult * atr
        basic_lo = (HIGH[t] + LOW[t]) / 2 - mult * atr
        if t == n - 1:
            final_up, final_lo = basic_up, basic_lo
        else:
            prev_up, prev_lo = final_up, final_lo
            up_ok = basic_up < prev_up or CLOSE[t - 1] > prev_up
            lo_ok = basic_lo > prev_lo or CLOSE[t - 1] < prev_lo
            final_up = basic_up if up_ok else prev_up
            final_lo = basic_lo if lo_ok else prev_lo
            if on_upper:
                on_upper = CLOSE[t] <= final_up
            else:
                on_upper = CLOSE[t] < final_lo
        line[t] = final_up if on_upper else final_lo
        direction[t] = -1.0 if on_upper else 1.0
    return line, direction


@pytest.mark.parametrize(("n", "mult"), [(10, 3.0), (7, 1.0), (1, 0.5)])
def test_supertrend_matches_classic_rules(n: int, mult: float) -> None:
    line, direction = Supertrend(n, mult).update(BARS.high, BARS.low, BARS.close)
    want_line, want_direction = supertrend_loop(n, mult)
    assert_close(line, want_line, rtol=1e-12)
    np.testing.assert_array_equal(direction, want_direction)
    flips = np.count_nonzero(np.diff(direction[n:]))
    assert flips > 10  # real data: the state machine is exercised in both directions


@pytest.mark.parametrize("n", [2, 14, 30])
def test_choppiness_matches_textbook(n: int) -> None:
    tr, want = true_ranges(), nan_list(N)
    for t in range(n - 1, N):
        span = max(HIGH[t - n + 1 : t + 1]) - min(LOW[t - n + 1 : t + 1])
        want[t] = 100 * math.log10(sum(tr[t - n + 1 : t + 1]) / span) / math.log10(n)
    got = Choppiness(n).update(BARS.high, BARS.low, BARS.close)
    assert_close(got, want, rtol=1e-9)
    assert ((got[n - 1 :] >= 0) & (got[n - 1 :] <= 100)).all()


@pytest.mark.parametrize("n", [2, 5, 20, 64])
def test_slope_matches_least_squares(n: int) -> None:
    want = nan_list(N)
    xbar = (n - 1) / 2
    sxx = sum((i - xbar) ** 2 for i in range(n))
    for t in range(n - 1, N):
        window = CLOSE[t - n + 1 : t + 1]
        ybar = sum(window) / n
        want[t] = sum((i - xbar) * (y - ybar) for i, y in enumerate(window)) / sxx
    assert_close(Slope(n).update(BARS.close), want, rtol=1e-8)


def test_slope_of_a_line_is_its_gradient() -> None:
    x = 50_000.0 + 2.5 * np.arange(100)
    np.testing.assert_allclose(Slope(10).update(x)[9:], 2.5, rtol=1e-12)
