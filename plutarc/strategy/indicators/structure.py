"""Market structure: swing pivots, reported once the bars confirming them have closed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from plutarc.strategy.indicators._common import EMPTY, check_int, columns
from plutarc.strategy.indicators.stream import Tail
from plutarc.strategy.indicators.windows import window_max, window_min


class Swings:
    """Swing pivots confirmed ``right`` bars later.

    Bar c is a pivot high when high[c] is strictly greater than each of the ``left`` highs
    before it and >= each of the ``right`` highs after it (so a flat top counts once, at its
    first bar); a pivot low mirrors this on the lows. Bar c is only known to be a pivot at
    bar c + right, so the output at bar t is high[t - right] (low[t - right]) when bar
    t - right is a confirmed pivot high (low), else NaN. Returns (pivot_high, pivot_low).
    """

    __slots__ = ("_highs", "_lows", "left", "right")

    def __init__(self, left: int = 5, right: int = 5) -> None:
        self.left = check_int("Swings", "left", left)
        self.right = check_int("Swings", "right", right, minimum=0)
        self._highs = Tail(self.left + self.right)
        self._lows = Tail(self.left + self.right)

    def update(self, high: np.ndarray, low: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        high, low = columns("Swings", "high and low", high, low)
        if high.size == 0:
            return EMPTY, EMPTY
        pivot_high = self._pivots(self._highs, high, window_max, np.greater, np.greater_equal)
        pivot_low = self._pivots(self._lows, low, window_min, np.less, np.less_equal)
        return pivot_high, pivot_low

    def _pivots(
        self,
        tail: Tail,
        x: np.ndarray,
        extreme: Callable[[np.ndarray, int], np.ndarray],
        beats_left: np.ufunc,
        beats_right: np.ufunc,
    ) -> np.ndarray:
        left, right, m = self.left, self.right, x.size
        missing = left + right - tail.values.size
        z, _ = tail.extend(x)
        if missing > 0:  # too little history: comparisons with NaN are False, no pivot
            z = np.concatenate((np.full(missing, np.nan), z))
        # The window ending at this bar is z[k : k + left + right + 1] for output k.
        centre = z[left : left + m]
        before = extreme(z[: left + m - 1], left)
        is_pivot = beats_left(centre, before)
        if right:
            after = extreme(z[left + 1 :], right)
            is_pivot &= beats_right(centre, after)
        return np.where(is_pivot, centre, np.nan)
