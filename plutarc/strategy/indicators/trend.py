"""Trend strength and direction: ADX/DMI, Supertrend, Choppiness, least-squares slope."""

from __future__ import annotations

import math

import numpy as np

from plutarc.strategy.indicators._common import (
    Delayed,
    FromFirstValue,
    check_int,
    check_positive,
    columns,
    series,
)
from plutarc.strategy.indicators.stream import Lag, WilderSeeded
from plutarc.strategy.indicators.volatility import ATR, TrueRange
from plutarc.strategy.indicators.windows import WindowExtreme, WindowSums


class ADX:
    """Wilder's directional movement: +DM/-DM and the true range from bar 1 on, each Wilder
    smoothed (seeded with the mean of the first n); +DI/-DI = 100 * smoothed DM / smoothed
    TR (from bar n); DX = 100 * |+DI - -DI| / (+DI + -DI) (0 when both are 0); ADX = the
    same smoothing of DX (from bar 2n-1). Returns (adx, plus_di, minus_di)."""

    __slots__ = ("_adx", "_minus", "_plus", "_prev_high", "_prev_low", "_tr", "_tr_avg", "n")

    def __init__(self, n: int = 14) -> None:
        self.n = check_int("ADX", "period n", n)
        self._prev_high = Lag(1)
        self._prev_low = Lag(1)
        self._tr = TrueRange()
        # Bar 0 has no directional movement, so all three averages start at bar 1.
        self._tr_avg = Delayed(1, WilderSeeded(self.n))
        self._plus = Delayed(1, WilderSeeded(self.n))
        self._minus = Delayed(1, WilderSeeded(self.n))
        self._adx = FromFirstValue(WilderSeeded(self.n))  # DX is defined from bar n

    def update(
        self, high: np.ndarray, low: np.ndarray, close: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        high, low, close = columns("ADX", "high, low and close", high, low, close)
        prev_high = self._prev_high.update(high)
        up = np.subtract(high, prev_high, out=prev_high)
        prev_low = self._prev_low.update(low)
        down = np.subtract(prev_low, low, out=prev_low)
        plus_wins = (up > down) & (up > 0.0)
        minus_wins = (down > up) & (down > 0.0)
        # up or 0 (True is 1.0, exact); bar 0 stays NaN but is never fed to the average
        plus_dm = np.multiply(up, plus_wins, out=up)
        minus_dm = np.multiply(down, minus_wins, out=down)
        tr = self._tr_avg.update(self._tr.update(high, low, close))
        no_range = tr == 0.0
        plus_di = self._di(self._plus.update(plus_dm), tr, no_range)
        minus_di = self._di(self._minus.update(minus_dm), tr, no_range)
        di_sum = np.add(plus_di, minus_di, out=tr)
        dx = np.subtract(plus_di, minus_di)
        np.abs(dx, out=dx)
        dx *= 100.0
        with np.errstate(divide="ignore", invalid="ignore"):
            dx /= di_sum
        np.copyto(dx, 0.0, where=di_sum == 0.0)
        return self._adx.update(dx), plus_di, minus_di

    @staticmethod
    def _di(dm: np.ndarray, tr: np.ndarray, no_range: np.ndarray) -> np.ndarray:
        dm *= 100.0
        with np.errstate(divide="ignore", invalid="ignore"):
            dm /= tr
        np.copyto(dm, 0.0, where=no_range)
        return dm


class Supertrend:
    """Supertrend on hl2 +- mult * ATR(n) with the standard final-band carry-over: the upper
    band may only fall unless the previous close broke above it (the lower band mirrored);
    the trend turns up when the close crosses above the final upper band and down when it
    crosses below the final lower band. Starts down on the first ATR bar, as TradingView's
    ``ta.supertrend``, but keeps the trend as state where TradingView compares the previous
    line with the previous upper band (ambiguous on real bars where the two bands meet).
    Returns (line, direction): the lower band and +1 in an up trend, the upper band and -1
    in a down trend; NaN during the ATR warm-up.

    The carry-over is a sequential state machine with no vectorised form, so it runs as a
    plain Python loop over the chunk (about 0.1 s per 500k bars; one bar takes microseconds).
    """

    __slots__ = ("_atr", "_state", "mult", "n")

    def __init__(self, n: int = 10, mult: float = 3.0) -> None:
        self.n = check_int("Supertrend", "ATR period n", n)
        self.mult = check_positive("Supertrend", "multiplier mult", mult)
        self._atr = ATR(self.n)
        # (final upper, final lower, close, direction) of the previous defined bar
        self._state: tuple[float, float, float, float] | None = None

    def update(
        self, high: np.ndarray, low: np.ndarray, close: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        high, low, close = columns("Supertrend", "high, low and close", high, low, close)
        atr = self._atr.update(high, low, close)
        mid = (high + low) / 2.0
        started = self._state is not None
        prev_upper, prev_lower, prev_close, trend = self._state or (0.0, 0.0, 0.0, -1.0)
        line: list[float] = []
        direction: list[float] = []
        add_line, add_direction, nan = line.append, direction.append, math.nan
        # Plain floats (memoryview iteration) and local names: this loop is the whole cost.
        bands = (mid + self.mult * atr, mid - self.mult * atr, close)
        for upper, lower, c in zip(*map(memoryview, bands), strict=True):
            if upper != upper:  # NaN: the ATR is still warming up
                add_line(nan)
                add_direction(nan)
                continue
            if started:
                if upper > prev_upper and prev_close <= prev_upper:
                    upper = prev_upper
                if lower < prev_lower and prev_close >= prev_lower:
                    lower = prev_lower
                if trend < 0.0:
                    if c > upper:
                        trend = 1.0
                elif c < lower:
                    trend = -1.0
            else:
                started = True
            prev_upper, prev_lower, prev_close = upper, lower, c
            add_line(lower if trend > 0.0 else upper)
            add_direction(trend)
        if started:
            self._state = (prev_upper, prev_lower, prev_close, trend)
        size = close.size
        return np.fromiter(line, np.float64, size), np.fromiter(direction, np.float64, size)


class Choppiness:
    """Choppiness index: 100 * log10(sum of the true range over n bars / (highest high -
    lowest low over n bars)) / log10(n); NaN where that range is 0. Defined from bar n-1
    (the first bar's true range is its high - low)."""

    __slots__ = ("_high", "_low", "_sums", "_tr", "n")

    def __init__(self, n: int = 14) -> None:
        self.n = check_int("Choppiness", "period n", n, minimum=2)
        self._tr = TrueRange()
        self._sums = WindowSums(self.n)
        self._high = WindowExtreme(self.n, "max")
        self._low = WindowExtreme(self.n, "min")

    def update(self, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
        high, low, close = columns("Choppiness", "high, low and close", high, low, close)
        s = self._sums.update(self._tr.update(high, low, close))
        tr_sum = np.multiply(s.shift, self.n, out=s.shift)
        tr_sum += s.s1
        span = self._high.update(high)
        span -= self._low.update(low)
        with np.errstate(divide="ignore", invalid="ignore"):
            chop = np.log10(np.divide(tr_sum, span, out=tr_sum), out=tr_sum)
        chop *= 100.0
        chop /= math.log10(self.n)  # in this order: a ratio of exactly n gives exactly 100
        np.copyto(chop, np.nan, where=span == 0.0)
        return chop


class Slope:
    """Least-squares slope of the last n values against their bar index (units of x per
    bar); NaN for the first n-1 bars."""

    __slots__ = ("_sums", "n")

    def __init__(self, n: int) -> None:
        self.n = check_int("Slope", "period n", n, minimum=2)
        self._sums = WindowSums(self.n, weighted=True)

    def update(self, x: np.ndarray) -> np.ndarray:
        s = self._sums.update(series("Slope", x))
        assert s.sw is not None
        n = self.n
        # sum((i - mean_i) * x_i) with i = weight - 1; the shift cancels out of it.
        centre_term = np.multiply(s.s1, (n + 1) / 2.0, out=s.s1)
        centred = np.subtract(s.sw, centre_term, out=s.sw)
        centred /= n * (n * n - 1) / 12.0
        return centred
