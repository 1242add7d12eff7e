"""Swing pivots: the textbook definition on real candles, and no look-ahead."""

from __future__ import annotations

import math

import numpy as np
import pytest

from plutarc.strategy.indicators import Swings
from tests.strategy.indicators.support import candles, nan_list

BARS = candles(3000)


def pivots_loop(
    high: list[float], low: list[float], left: int, right: int
) -> tuple[list[float], list[float]]:
    """Output at bar t: the pivot confirmed at t (bar c = t - right), using bars <= t."""
    n = len(high)
    ph, pl = nan_list(n), nan_list(n)
    for t in range(n):
        c = t - right
        if c - left < 0:
            continue
        if all(high[c] > high[j] for j in range(c - left, c)) and all(
            high[c] >= high[j] for j in range(c + 1, t + 1)
        ):
            ph[t] = high[c]
        if all(low[c] < low[j] for j in range(c - left, c)) and all(
            low[c] <= low[j] for j in range(c + 1, t + 1)
        ):
            pl[t] = low[c]
    return ph, pl


@pytest.mark.parametrize(("left", "right"), [(5, 5), (2, 7), (10, 1), (3, 0), (1, 1)])
def test_swings_match_definition(left: int, right: int) -> None:
    got_high, got_low = Swings(left, right).update(BARS.high, BARS.low)
    want_high, want_low = pivots_loop(BARS.high.tolist(), BARS.low.tolist(), left, right)
    np.testing.assert_array_equal(got_high, want_high)
    np.testing.assert_array_equal(got_low, want_low)
    assert np.count_nonzero(~np.isnan(got_high)) > 50
    assert np.count_nonzero(~np.isnan(got_low)) > 50


def test_a_pivot_is_reported_right_bars_later_and_never_before() -> None:
    high = np.array([1.0, 2.0, 3.0, 9.0, 4.0, 5.0, 6.0, 7.0])
    low = high - 0.5
    swings = Swings(left=3, right=2)
    seen = [swings.update(high[t], low[t])[0][0] for t in range(high.size)]
    # bar 3 is the pivot: unknown at bars 3 and 4, reported at bar 5 with bar 3's high
    assert [math.isnan(v) for v in seen] == [True] * 5 + [False] + [True] * 2
    assert seen[5] == 9.0


def test_a_flat_top_counts_once_at_its_first_bar() -> None:
    high = np.array([1.0, 2.0, 5.0, 5.0, 3.0, 2.0, 1.0])
    pivot_high, _ = Swings(left=2, right=2).update(high, high - 1)
    assert np.flatnonzero(~np.isnan(pivot_high)).tolist() == [4]  # bar 2, known at bar 4


def test_a_later_higher_bar_cancels_an_unconfirmed_pivot() -> None:
    high = np.array([1.0, 2.0, 6.0, 3.0, 7.0, 2.0, 1.0, 0.5])
    pivot_high, _ = Swings(left=2, right=2).update(high, high - 1)
    # bar 2 (6.0) is beaten by bar 4 inside its confirmation window; bar 4 confirms at 6
    assert np.flatnonzero(~np.isnan(pivot_high)).tolist() == [6]
    assert pivot_high[6] == 7.0
