"""Streaming primitives: every indicator is built from these, so that one batch call over a
whole series and one call per new bar give bit-for-bit the same values.

Each primitive keeps exactly the state it needs (a recursive filter's last output, the tail
of a window, a running total) and processes a chunk with vectorised numpy/scipy code.
Recurrences run sequentially in C (scipy's ``lfilter``, numpy's ``cumsum``), so chunking
never changes the order of floating-point operations. Outputs are NaN until defined.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from plutarc.strategy.indicators.linear_filter import lfilter_zi

_EMPTY = np.empty(0, np.float64)


def _as_f64(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


class Tail:
    """The last ``size`` values seen, to prepend to the next chunk."""

    __slots__ = ("size", "values")

    def __init__(self, size: int) -> None:
        self.size = size
        self.values = _EMPTY

    def extend(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """Return (tail + x, len(tail)) and keep the new tail."""
        z = np.concatenate((self.values, x)) if self.values.size else x
        offset = self.values.size
        if self.size:
            self.values = z[-self.size :].copy()
        return z, offset


class Ewm:
    """Exponential moving average ``y = alpha*x + (1-alpha)*y_prev`` seeded with the first
    value (pandas ``ewm(adjust=False)``), NaN for the first ``min_periods - 1`` outputs."""

    __slots__ = ("_a", "_b", "_count", "_min", "_zi")

    def __init__(self, alpha: float, min_periods: int = 1) -> None:
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1], got {alpha}")
        self._b = np.array([alpha])
        self._a = np.array([1.0, alpha - 1.0])
        self._zi: np.ndarray | None = None
        self._count = 0
        self._min = max(1, min_periods)

    @classmethod
    def span(cls, n: int) -> Ewm:
        return cls(2.0 / (n + 1.0), min_periods=n)

    @classmethod
    def wilder(cls, n: int) -> Ewm:
        return cls(1.0 / n, min_periods=n)

    def update(self, x: np.ndarray) -> np.ndarray:
        x = _as_f64(x)
        if x.size == 0:
            return _EMPTY
        if self._zi is None:
            # Seed with the first value: y0 = x0 exactly.
            self._zi = np.array([(1.0 - self._b[0]) * x[0]])
        y, self._zi = lfilter_zi(self._b, self._a, x, self._zi)
        start = self._count
        self._count += x.size
        undefined = self._min - 1 - start
        if undefined > 0:
            y[: min(undefined, y.size)] = np.nan
        return y


class WilderSeeded:
    """Wilder's smoothing seeded with the simple mean of the first ``n`` inputs (the textbook
    RSI/ATR/ADX definition): y[n-1] = mean(x[:n]); y[t] = y[t-1] + (x[t] - y[t-1]) / n."""

    __slots__ = ("_count", "_n", "_seed", "_wa", "_wb", "_zi")

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ValueError("period must be >= 1")
        self._n = n
        self._wb = np.array([1.0 / n])
        self._wa = np.array([1.0, 1.0 / n - 1.0])
        self._seed: list[float] = []
        self._zi: np.ndarray | None = None
        self._count = 0

    def update(self, x: np.ndarray) -> np.ndarray:
        x = _as_f64(x)
        if self._zi is not None and x.size:  # seeded: the output is the filter's, whole
            y, self._zi = lfilter_zi(self._wb, self._wa, x, self._zi)
            self._count += x.size
            return y
        out = np.full(x.size, np.nan)
        i = 0
        while self._zi is None and i < x.size:
            self._seed.append(float(x[i]))
            if len(self._seed) == self._n:
                mean = sum(self._seed) / self._n
                out[i] = mean
                self._zi = np.array([(1.0 - 1.0 / self._n) * mean])
            i += 1
        if self._zi is not None and i < x.size:
            y, self._zi = lfilter_zi(self._wb, self._wa, x[i:], self._zi)
            out[i:] = y
        self._count += x.size
        return out


class CumSum:
    """Running total from the first value seen (exact under chunking: numpy's cumsum is
    sequential)."""

    __slots__ = ("_total",)

    def __init__(self) -> None:
        self._total = 0.0

    def update(self, x: np.ndarray) -> np.ndarray:
        x = _as_f64(x)
        if x.size == 0:
            return _EMPTY
        s = np.cumsum(np.concatenate(([self._total], x)))[1:]
        self._total = float(s[-1])
        return s


class RollingSum:
    """Sum of the last ``n`` values via a carried cumulative sum; NaN until ``n`` are seen.

    NaN inputs make the window NaN (the NaN stays inside the cumulative sum, so use it on
    series that are defined from their start).
    """

    __slots__ = ("_cum", "_n", "_tail")

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ValueError("window must be >= 1")
        self._n = n
        self._cum = CumSum()
        self._tail = Tail(n)  # cumulative sums of the last n values, 0.0 before the start

    def update(self, x: np.ndarray) -> np.ndarray:
        s = self._cum.update(x)
        if s.size == 0:
            return _EMPTY
        prev_size = self._tail.values.size
        z, offset = self._tail.extend(s)
        if prev_size < self._n:
            # Before the start, the cumulative sum is zero.
            z = np.concatenate((np.zeros(self._n - prev_size), z))
            offset = self._n
        out = z[offset:] - z[offset - self._n : z.size - self._n]
        seen_before = prev_size if prev_size < self._n else self._n
        total_seen = np.arange(1, s.size + 1) + (seen_before if prev_size < self._n else self._n)
        out[total_seen < self._n] = np.nan
        return out


class RollingMean:
    __slots__ = ("_n", "_sum")

    def __init__(self, n: int) -> None:
        self._n = n
        self._sum = RollingSum(n)

    def update(self, x: np.ndarray) -> np.ndarray:
        return self._sum.update(x) / self._n


class RollingWindow:
    """Apply a reduction over each full window of the last ``n`` values.

    ``how`` is one of: max, min, std (population), std1 (sample), argmax_age, argmin_age
    (bars since the extreme, 0 = this bar), sum_exact. Output is NaN until ``n`` values.
    """

    __slots__ = ("_how", "_n", "_seen", "_tail")

    def __init__(self, n: int, how: str) -> None:
        if n < 1:
            raise ValueError("window must be >= 1")
        if how not in ("max", "min", "std", "std1", "argmax_age", "argmin_age", "sum_exact"):
            raise ValueError(f"unknown rolling reduction {how!r}")
        self._n = n
        self._how = how
        self._tail = Tail(n - 1)
        self._seen = 0

    def update(self, x: np.ndarray) -> np.ndarray:
        x = _as_f64(x)
        if x.size == 0:
            return _EMPTY
        z, offset = self._tail.extend(x)
        out = np.full(x.size, np.nan)
        self._seen += x.size
        if z.size >= self._n:
            w = sliding_window_view(z, self._n)
            # window k ends at z[k + n - 1]; we want windows ending at z[offset:]
            first_end = max(offset, self._n - 1)
            win = w[first_end - (self._n - 1) :]
            how = self._how
            if how == "max":
                r = win.max(axis=1)
            elif how == "min":
                r = win.min(axis=1)
            elif how == "std":
                r = win.std(axis=1)
            elif how == "std1":
                r = win.std(axis=1, ddof=1) if self._n > 1 else np.zeros(win.shape[0])
            elif how == "argmax_age":
                # newest-first order: the first maximum found is the most recent one
                r = win[:, ::-1].argmax(axis=1).astype(np.float64)
            elif how == "argmin_age":
                r = win[:, ::-1].argmin(axis=1).astype(np.float64)
            else:
                r = win.sum(axis=1)
            out[first_end - offset :] = r
        return out


class Lag:
    """The value ``k`` bars ago (NaN before the start)."""

    __slots__ = ("_k", "_tail")

    def __init__(self, k: int = 1) -> None:
        if k < 1:
            raise ValueError("lag must be >= 1")
        self._k = k
        self._tail = Tail(k)

    def update(self, x: np.ndarray) -> np.ndarray:
        x = _as_f64(x)
        prev = self._tail.values
        if x.size == 1 and prev.size == self._k:
            # One new value after the start (a live bar): the oldest kept value is the
            # output. The old tail array is no longer the tail's, so it can be handed out.
            self._tail.values = x.copy() if self._k == 1 else np.concatenate((prev[1:], x))
            return prev[:1]
        if prev.size < self._k:
            prev = np.concatenate((np.full(self._k - prev.size, np.nan), prev))
        self._tail.extend(x)
        z = np.concatenate((prev, x))
        return z[: x.size]


class Diff:
    """x[t] - x[t-k]."""

    __slots__ = ("_lag",)

    def __init__(self, k: int = 1) -> None:
        self._lag = Lag(k)

    def update(self, x: np.ndarray) -> np.ndarray:
        x = _as_f64(x)
        return x - self._lag.update(x)
