"""Volatility and bands: true range, ATR, Bollinger, Keltner, Donchian, realised vol, z-score."""

from __future__ import annotations

import numpy as np

from plutarc.strategy.indicators._common import check_int, check_positive, columns, series
from plutarc.strategy.indicators.stream import Ewm, Lag, WilderSeeded
from plutarc.strategy.indicators.windows import Sums, WindowExtreme, WindowSums


class TrueRange:
    """max(high - low, |high - previous close|, |low - previous close|); high - low on the
    first bar, which has no previous close."""

    __slots__ = ("_prev_close",)

    def __init__(self) -> None:
        self._prev_close = Lag(1)

    def update(self, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
        high, low, close = columns("TrueRange", "high, low and close", high, low, close)
        prev = self._prev_close.update(close)
        from_high = np.abs(high - prev)
        from_low = np.abs(np.subtract(low, prev, out=prev), out=prev)
        # fmax skips the NaN gaps of the first bar, leaving high - low.
        np.fmax(from_high, from_low, out=from_high)
        return np.fmax(np.subtract(high, low, out=from_low), from_high, out=from_high)


class ATR:
    """Average true range: Wilder smoothing of the true range, seeded with the mean of the
    first n true ranges (so defined from bar n-1; TradingView's ``ta.atr``)."""

    __slots__ = ("_smooth", "_tr", "n")

    def __init__(self, n: int = 14) -> None:
        self.n = check_int("ATR", "period n", n)
        self._tr = TrueRange()
        self._smooth = WilderSeeded(self.n)

    def update(self, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
        high, low, close = columns("ATR", "high, low and close", high, low, close)
        return self._smooth.update(self._tr.update(high, low, close))


class Bollinger:
    """Bollinger bands: mid = SMA(n), bands at mid +- k * population std over n bars,
    bandwidth = (upper - lower) / mid. Returns (mid, upper, lower, bandwidth)."""

    __slots__ = ("_sums", "k", "n")

    def __init__(self, n: int = 20, k: float = 2.0) -> None:
        self.n = check_int("Bollinger", "period n", n)
        self.k = check_positive("Bollinger", "width k", k)
        self._sums = WindowSums(self.n, squares=True)

    def update(self, close: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        mid, std = _mean_std(self._sums.update(series("Bollinger", close)), self.n, 0)
        half = np.multiply(std, self.k, out=std)
        upper = mid + half
        lower = mid - half
        bandwidth = np.subtract(upper, lower, out=half)
        with np.errstate(divide="ignore", invalid="ignore"):
            bandwidth /= mid
        return mid, upper, lower, bandwidth


class Keltner:
    """Keltner channel: mid = EMA(n) of the close, bands at mid +- k * ATR(atr_n).
    Returns (mid, upper, lower)."""

    __slots__ = ("_atr", "_ema", "atr_n", "k", "n")

    def __init__(self, n: int = 20, k: float = 2.0, atr_n: int = 10) -> None:
        self.n = check_int("Keltner", "period n", n)
        self.k = check_positive("Keltner", "width k", k)
        self.atr_n = check_int("Keltner", "ATR period atr_n", atr_n)
        self._ema = Ewm.span(self.n)
        self._atr = ATR(self.atr_n)

    def update(
        self, high: np.ndarray, low: np.ndarray, close: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        high, low, close = columns("Keltner", "high, low and close", high, low, close)
        mid = self._ema.update(close)
        width = self._atr.update(high, low, close)
        width *= self.k
        return mid, mid + width, np.subtract(mid, width, out=width)


class Donchian:
    """Donchian channel over the last n bars including this one: (highest high, lowest low,
    their midpoint)."""

    __slots__ = ("_high", "_low", "n")

    def __init__(self, n: int = 20) -> None:
        self.n = check_int("Donchian", "period n", n)
        self._high = WindowExtreme(self.n, "max")
        self._low = WindowExtreme(self.n, "min")

    def update(
        self, high: np.ndarray, low: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        high, low = columns("Donchian", "high and low", high, low)
        upper = self._high.update(high)
        lower = self._low.update(low)
        mid = upper + lower
        mid /= 2.0
        return upper, lower, mid


class RealizedVol:
    """Sample standard deviation (n - 1 denominator) of the last n log returns
    ln(close[t] / close[t-1]), per bar, not annualised; defined from bar n."""

    __slots__ = ("_prev", "_sums", "n")

    def __init__(self, n: int) -> None:
        self.n = check_int("RealizedVol", "period n", n, minimum=2)
        self._prev = Lag(1)
        # The first bar's return is NaN: it only blanks the windows that hold it.
        self._sums = WindowSums(self.n, squares=True)

    def update(self, close: np.ndarray) -> np.ndarray:
        close = series("RealizedVol", close)
        prev = self._prev.update(close)
        with np.errstate(divide="ignore", invalid="ignore"):
            returns = np.log(np.divide(close, prev, out=prev), out=prev)
        return _mean_std(self._sums.update(returns), self.n, 1)[1]


class ZScore:
    """(x - SMA(n)) / population std over the same n values; 0 where the window is flat."""

    __slots__ = ("_sums", "n")

    def __init__(self, n: int) -> None:
        self.n = check_int("ZScore", "period n", n, minimum=2)
        self._sums = WindowSums(self.n, squares=True)

    def update(self, x: np.ndarray) -> np.ndarray:
        x = series("ZScore", x)
        s = self._sums.update(x)
        deviation = np.subtract(x, s.shift, out=s.shift)  # about the shift: no cancellation
        mean_offset, std = _mean_std(s, self.n, 0, offset_only=True)
        deviation -= mean_offset
        with np.errstate(divide="ignore", invalid="ignore"):
            deviation /= std
        np.copyto(deviation, 0.0, where=std == 0.0)
        return deviation


def _mean_std(
    s: Sums, n: int, ddof: int, offset_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation from shifted window sums (``WindowSums(squares=True)``),
    computed in place of the sums; with ``offset_only`` the mean is left relative to the
    shift."""
    s1, s2 = s.s1, s.s2
    assert s2 is not None
    squares = s1 * s1
    squares /= n
    np.subtract(s2, squares, out=squares)
    np.maximum(squares, 0.0, out=squares)  # never below 0 through rounding
    squares /= n - ddof
    std = np.sqrt(squares, out=squares)
    mean = s1
    mean /= n
    if not offset_only:
        mean += s.shift
    return mean, std
