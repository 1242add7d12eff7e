"""Moving averages: exponential (EMA), simple (SMA) and linearly weighted (WMA)."""

from __future__ import annotations

import numpy as np

from plutarc.strategy.indicators._common import FromFirstValue, check_int, series
from plutarc.strategy.indicators.stream import Ewm
from plutarc.strategy.indicators.windows import WindowSums


class EMA:
    """Exponential moving average, pandas ``ewm(span=n, adjust=False)``: alpha = 2/(n+1),
    seeded with the first value; NaN for the first n-1 bars. Leading NaNs (an indicator's
    warm-up) are skipped: the seed is the first defined value."""

    __slots__ = ("_ewm", "n")

    def __init__(self, n: int) -> None:
        self.n = check_int("EMA", "period n", n)
        self._ewm = FromFirstValue(Ewm.span(self.n))

    def update(self, x: np.ndarray) -> np.ndarray:
        return self._ewm.update(series("EMA", x))


class SMA:
    """Simple moving average of the last n values; NaN for the first n-1 bars."""

    __slots__ = ("_sums", "n")

    def __init__(self, n: int) -> None:
        self.n = check_int("SMA", "period n", n)
        self._sums = WindowSums(self.n)

    def update(self, x: np.ndarray) -> np.ndarray:
        s = self._sums.update(series("SMA", x))
        mean = s.s1  # the sums are ours to overwrite: in place saves fresh arrays
        mean /= self.n
        mean += s.shift
        return mean


class WMA:
    """Linearly weighted moving average: weights 1 (oldest) .. n (newest) over the last n
    values, divided by n(n+1)/2; NaN for the first n-1 bars."""

    __slots__ = ("_sums", "n")

    def __init__(self, n: int) -> None:
        self.n = check_int("WMA", "period n", n)
        self._sums = WindowSums(self.n, weighted=True)

    def update(self, x: np.ndarray) -> np.ndarray:
        s = self._sums.update(series("WMA", x))
        assert s.sw is not None
        mean = s.sw
        mean /= self.n * (self.n + 1) / 2.0
        mean += s.shift
        return mean
