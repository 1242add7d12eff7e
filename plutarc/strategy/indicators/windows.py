"""O(1)-per-bar window primitives (extremes, shifted sums, abs deviation), chunk-exact."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from plutarc.strategy.indicators._common import EMPTY
from plutarc.strategy.indicators.stream import Tail

_CACHE_BLOCK = 32768  # values per pass in O(n)-per-bar loops


def window_max(z: np.ndarray, w: int) -> np.ndarray:
    """max(z[i : i + w]) for every full window, by doubling: O(len(z) * log2(w)), exact."""
    return _window_extreme(z, w, np.maximum)


def window_min(z: np.ndarray, w: int) -> np.ndarray:
    """min(z[i : i + w]) for every full window (see ``window_max``)."""
    return _window_extreme(z, w, np.minimum)


def _window_extreme(z: np.ndarray, w: int, pick: np.ufunc) -> np.ndarray:
    count = z.size - w + 1
    if count <= 0:
        return EMPTY
    if w == 1:
        return z.copy()
    # Level k holds the extreme of z[i : i + 2**k]; two buffers are reused across levels
    # (fresh big arrays cost more than the comparisons).
    level = pick(z[:-1], z[1:])
    spare = np.empty_like(level)
    span, size = 2, level.size
    while 2 * span <= w:
        size -= span
        pick(level[:size], level[span : span + size], out=spare[:size])
        level, spare = spare, level
        span *= 2
    if span == w:
        return level[:count]
    # Two overlapping power-of-two windows cover the window exactly; max/min do not care.
    return pick(level[:count], level[w - span : w - span + count], out=spare[:count])


class WindowExtreme:
    """Highest (``"max"``) or lowest (``"min"``) of the last ``n`` values, NaN until ``n``."""

    __slots__ = ("_n", "_pick", "_tail")

    def __init__(self, n: int, how: str) -> None:
        if how not in ("max", "min"):
            raise ValueError(f"unknown window extreme {how!r}")
        self._n = n
        self._pick = window_max if how == "max" else window_min
        self._tail = Tail(n - 1)

    def update(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return EMPTY
        missing = self._n - 1 - self._tail.values.size
        z, _ = self._tail.extend(x)
        if missing > 0:  # before n values the window is incomplete: NaN propagates through it
            z = np.concatenate((np.full(missing, np.nan), z))
        return self._pick(z, self._n)


class Sums(NamedTuple):
    """Window sums of ``x - shift`` per bar; ``s2``/``sw`` are None unless requested."""

    shift: np.ndarray
    s1: np.ndarray  # sum of d = x - shift
    s2: np.ndarray | None  # sum of d**2
    sw: np.ndarray | None  # sum of k * d with linear weights k = 1 (oldest) .. n (newest)


class WindowSums:
    """Sums over each full window of the last ``n`` values, taken about a shift.

    Values are grouped in blocks of ``n`` aligned on the count seen. A window ending in
    block b is the tail of block b-1 plus the head of block b, so it always holds block b's
    first value, which is the shift. Its sums are one prefix sum inside block b plus one
    suffix sum inside block b-1: O(1) work per bar whatever ``n``, rounding bounded by the
    window's own spread (no drift along a year of bars, unlike a running total), and a flat
    window gives exactly zero. NaN until ``n`` values have been seen; a NaN input makes
    exactly the windows that hold it NaN (so warm-up NaNs need no special feeding).
    """

    __slots__ = ("_n", "_seen", "_squares", "_tail", "_weighted")

    def __init__(self, n: int, squares: bool = False, weighted: bool = False) -> None:
        if n < 1:
            raise ValueError("window must be >= 1")
        self._n = n
        self._squares = squares
        self._weighted = weighted
        self._tail = EMPTY  # values from the start of the block before the next value's block
        self._seen = 0

    def update(self, x: np.ndarray) -> Sums:
        x = np.asarray(x, dtype=np.float64)
        n = self._n
        if x.size == 0:
            return Sums(
                EMPTY, EMPTY, EMPTY if self._squares else None, EMPTY if self._weighted else None
            )
        z = np.concatenate((self._tail, x)) if self._tail.size else x
        first = self._tail.size  # where this chunk starts in z
        start = self._seen - first  # count index of z[0], a multiple of n
        self._seen += x.size
        keep_from = max(0, (self._seen // n - 1) * n) - start
        self._tail = z[keep_from:].copy()

        rows = -(-z.size // n)
        # Our own buffer (the caller's array is never written); padding sits after the last
        # value, where no prefix sum of a real value reaches it.
        grid = np.concatenate((z, np.zeros(rows * n - z.size))).reshape(rows, n)
        shift = grid[:, 0].copy()
        # Block b-1 about block b's shift, newest first (the order its suffix sums run in).
        e = grid[:-1, :0:-1] - shift[1:, None]
        d = np.subtract(grid, shift[:, None], out=grid)  # in place: big arrays are costly
        s2 = self._sums(d * d, e * e) if self._squares else None
        sw = None
        if self._weighted:
            k = np.arange(n, dtype=np.float64)
            # Position q relative to block b's start (negative in block b-1); the weight of
            # q in the window ending at position i is q - i + n.
            sw = self._sums(d * k, e * (k[:0:-1] - n))
        s1 = self._sums(d, e)
        if sw is not None:
            sw += (n - k) * s1

        def pick(a: np.ndarray) -> np.ndarray:
            out = a.reshape(-1)[first : first + x.size]
            undefined = n - 1 - (start + first)
            if undefined > 0:
                out[: min(undefined, out.size)] = np.nan
            return out

        return Sums(
            pick(np.repeat(shift, n)),
            pick(s1),
            None if s2 is None else pick(s2),
            None if sw is None else pick(sw),
        )

    @staticmethod
    def _sums(d: np.ndarray, e_newest_first: np.ndarray) -> np.ndarray:
        """Window sums per grid cell, in place of ``d``: the suffix of block b-1 after the
        cell's position (``e_newest_first`` holds its positions n-1 .. 1, and is consumed)
        plus block b's prefix up to the cell."""
        _row_cumsum(d)
        if e_newest_first.size:
            _row_cumsum(e_newest_first)
            head = d[:, :-1][1:]
            np.add(e_newest_first[:, ::-1], head, out=head)  # suffix[:, i] = sum(e[i+1:])
        return d


def _row_cumsum(a: np.ndarray) -> None:
    """Running sums along each row, in place (left to right, as ``np.cumsum``)."""
    if a.shape[1] <= 8:
        # numpy's accumulate pays per row; a few column passes are much cheaper.
        for k in range(1, a.shape[1]):
            a[:, k] += a[:, k - 1]
    else:
        np.cumsum(a, axis=1, out=a)


class WindowMeanAbsDev:
    """Mean absolute deviation of the last ``n`` values about a per-bar centre (the CCI
    definition). Summed oldest to newest over ``n`` vector passes: O(n) per bar, as the
    centre moves with every bar there is no running form."""

    __slots__ = ("_n", "_tail")

    def __init__(self, n: int) -> None:
        self._n = n
        self._tail = Tail(n - 1)

    def update(self, x: np.ndarray, centre: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return EMPTY
        missing = self._n - 1 - self._tail.values.size
        z, _ = self._tail.extend(x)
        if missing > 0:
            z = np.concatenate((np.full(missing, np.nan), z))
        m = x.size
        acc = np.zeros(m)
        tmp = np.empty(min(m, _CACHE_BLOCK))
        # Blocks small enough to stay in cache across the n passes: about 2x faster.
        for lo in range(0, m, _CACHE_BLOCK):
            hi = min(lo + _CACHE_BLOCK, m)
            part, centre_part, t = acc[lo:hi], centre[lo:hi], tmp[: hi - lo]
            for k in range(self._n):
                np.subtract(z[lo + k : hi + k], centre_part, out=t)
                np.abs(t, out=t)
                np.add(part, t, out=part)
        acc /= self._n
        return acc
