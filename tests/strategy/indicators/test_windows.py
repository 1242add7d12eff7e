"""The O(1)-per-bar window primitives: exact extremes, shifted sums, mean absolute deviation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from plutarc.strategy.indicators.windows import (
    WindowExtreme,
    WindowMeanAbsDev,
    WindowSums,
    window_max,
    window_min,
)
from tests.strategy.indicators.support import candles

CLOSE = candles(3000).close


@pytest.mark.parametrize("w", [1, 2, 3, 7, 8, 20, 64, 100])
def test_window_extremes_are_exact(w: int) -> None:
    x = CLOSE[:500]
    want_max = [max(x[i : i + w]) for i in range(x.size - w + 1)]
    want_min = [min(x[i : i + w]) for i in range(x.size - w + 1)]
    np.testing.assert_array_equal(window_max(x, w), want_max)
    np.testing.assert_array_equal(window_min(x, w), want_min)
    assert window_max(x[: w - 1], w).size == 0


@pytest.mark.parametrize("n", [1, 2, 3, 8, 9, 20, 256])
def test_window_sums_match_plain_sums(n: int) -> None:
    x = CLOSE.tolist()
    s = WindowSums(n, squares=True, weighted=True).update(CLOSE)
    assert np.isnan(s.s1[: n - 1]).all() and not np.isnan(s.s1[n - 1 :]).any()
    for t in range(n - 1, len(x), 7):
        window = x[t - n + 1 : t + 1]
        c = s.shift[t]
        assert c in window  # the shift is one of the window's own values
        d = [v - c for v in window]
        assert s.s1[t] == pytest.approx(math.fsum(d), rel=1e-12, abs=1e-9)
        assert s.s2[t] == pytest.approx(math.fsum(v * v for v in d), rel=1e-12, abs=1e-9)
        want_sw = math.fsum((i + 1) * v for i, v in enumerate(d))
        assert s.sw[t] == pytest.approx(want_sw, rel=1e-12, abs=1e-9 * n)


@pytest.mark.parametrize("n", [3, 8, 9])
def test_short_rows_accumulate_like_numpy(n: int) -> None:
    # windows of <= 8 use column passes instead of np.cumsum: same additions, same bits
    x = CLOSE[: 60 * n]
    grid_sums = WindowSums(n).update(x).s1
    ref = np.full(x.size, np.nan)
    for t in range(n - 1, x.size):
        b = t // n * n  # block start: window = tail of the block before + head of this one
        head = np.cumsum(x[b : t + 1] - x[b])[-1]
        tail = np.cumsum((x[t - n + 1 : b] - x[b])[::-1])[-1] if t - n + 1 < b else None
        ref[t] = head if tail is None else tail + head
    np.testing.assert_array_equal(grid_sums, ref)


def test_window_extreme_and_mad_handle_empty_and_short_chunks() -> None:
    ext, mad = WindowExtreme(5, "max"), WindowMeanAbsDev(5)
    assert ext.update(np.empty(0)).size == 0 and mad.update(np.empty(0), np.empty(0)).size == 0
    assert np.isnan(ext.update(CLOSE[:3])).all()
    got = ext.update(CLOSE[3:6])  # bars 3, 4, 5: the window fills at bar 4
    assert np.isnan(got[0]) and got[1:].tolist() == [max(CLOSE[:5]), max(CLOSE[1:6])]


def test_mean_abs_dev_about_a_given_centre() -> None:
    x = CLOSE[:200]
    centre = x * 0.999
    got = WindowMeanAbsDev(10).update(x, centre)
    for t in range(9, 200):
        want = sum(abs(v - centre[t]) for v in x[t - 9 : t + 1]) / 10
        assert got[t] == pytest.approx(want, rel=1e-12)


def test_bad_window_parameters() -> None:
    with pytest.raises(ValueError, match="unknown window extreme 'mean'"):
        WindowExtreme(3, "mean")
    with pytest.raises(ValueError, match="window must be >= 1"):
        WindowSums(0)


@pytest.mark.parametrize("n", [1, 3, 9, 10])
@pytest.mark.parametrize("hole", [0, 1, 9, 10, 27, 58])
def test_a_nan_blanks_exactly_the_windows_that_hold_it(n: int, hole: int) -> None:
    x = CLOSE[:60].copy()
    x[hole] = np.nan
    s = WindowSums(n, squares=True, weighted=True).update(x)
    t = np.arange(x.size)
    holds_hole = (t >= hole) & (t - n + 1 <= hole)
    want_nan = holds_hole | (t < n - 1)
    for out in (s.s1, s.s2, s.sw):
        np.testing.assert_array_equal(np.isnan(out), want_nan)
