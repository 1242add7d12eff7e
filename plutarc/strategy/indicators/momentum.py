"""Momentum oscillators: RSI, MACD, slow stochastic, CCI, rate of change."""

from __future__ import annotations

import numpy as np

from plutarc.strategy.indicators._common import FromFirstValue, check_int, columns, series
from plutarc.strategy.indicators.moving_averages import SMA
from plutarc.strategy.indicators.stream import Diff, Ewm, Lag, WilderSeeded
from plutarc.strategy.indicators.windows import WindowExtreme, WindowMeanAbsDev, WindowSums


class RSI:
    """Wilder's relative strength index, 0..100: average gain and loss seeded with the simple
    mean of the first n close-to-close changes, then Wilder smoothing; defined from bar n.
    Computed as 100 * gain / (gain + loss), i.e. 100 - 100 / (1 + RS); 50 when both are 0."""

    __slots__ = ("_change", "_gain", "_loss", "n")

    def __init__(self, n: int = 14) -> None:
        self.n = check_int("RSI", "period n", n)
        self._change = Diff(1)
        # The first change is NaN (and so are an input's warm-up bars): the seed means
        # start at the first real change.
        self._gain = FromFirstValue(WilderSeeded(self.n))
        self._loss = FromFirstValue(WilderSeeded(self.n))

    def update(self, close: np.ndarray) -> np.ndarray:
        change = self._change.update(series("RSI", close))
        gain = self._gain.update(np.maximum(change, 0.0))
        np.negative(change, out=change)
        loss = self._loss.update(np.maximum(change, 0.0, out=change))
        total = np.add(gain, loss, out=loss)
        rsi = np.multiply(gain, 100.0, out=gain)
        with np.errstate(divide="ignore", invalid="ignore"):
            rsi /= total
        np.copyto(rsi, 50.0, where=total == 0.0)
        return rsi


class MACD:
    """MACD = EMA(fast) - EMA(slow) of the close (both seeded with the first close);
    signal = EMA(signal) of the MACD line seeded with its first defined value;
    hist = macd - signal. Returns (macd, signal, hist)."""

    __slots__ = ("_fast", "_signal", "_slow", "fast", "signal", "slow")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        self.fast = check_int("MACD", "fast period", fast)
        self.slow = check_int("MACD", "slow period", slow, minimum=2)
        self.signal = check_int("MACD", "signal period", signal)
        if self.fast >= self.slow:
            raise ValueError(f"MACD: fast period must be shorter than slow, got {fast} >= {slow}")
        self._fast = FromFirstValue(Ewm.span(self.fast))
        self._slow = FromFirstValue(Ewm.span(self.slow))
        self._signal = FromFirstValue(Ewm.span(self.signal))  # from the line's first value

    def update(self, close: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        close = series("MACD", close)
        line = self._fast.update(close)
        line -= self._slow.update(close)
        signal = self._signal.update(line)
        return line, signal, line - signal


class Stochastic:
    """Slow stochastic, 0..100: raw %K = 100 * (close - lowest low) / (highest high - lowest
    low) over k bars (50 when that range is 0), %K = SMA(smooth) of raw %K, %D = SMA(d) of
    %K. Returns (k, d); %K is defined from bar k+smooth-2, %D d-1 bars later."""

    __slots__ = ("_d", "_high", "_k", "_low", "d", "k", "smooth")

    def __init__(self, k: int = 14, d: int = 3, smooth: int = 3) -> None:
        self.k = check_int("Stochastic", "%K period k", k)
        self.d = check_int("Stochastic", "%D period d", d)
        self.smooth = check_int("Stochastic", "%K smoothing", smooth)
        self._high = WindowExtreme(self.k, "max")
        self._low = WindowExtreme(self.k, "min")
        # The averages' windows over the warm-up NaNs come out NaN by themselves.
        self._k = SMA(self.smooth)
        self._d = SMA(self.d)

    def update(
        self, high: np.ndarray, low: np.ndarray, close: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        high, low, close = columns("Stochastic", "high, low and close", high, low, close)
        span = self._high.update(high)
        lowest = self._low.update(low)
        span -= lowest
        raw = np.subtract(close, lowest, out=lowest)
        raw *= 100.0
        with np.errstate(divide="ignore", invalid="ignore"):
            raw /= span
        np.copyto(raw, 50.0, where=span == 0.0)
        slow_k = self._k.update(raw)
        return slow_k, self._d.update(slow_k)


class CCI:
    """Commodity channel index: (tp - SMA(tp)) / (0.015 * mean absolute deviation of tp
    about that SMA) over n bars, tp = (high + low + close) / 3; 0 where the deviation is 0.
    Costs O(n) per bar (the deviation is about a moving centre)."""

    __slots__ = ("_mad", "_sums", "n")

    def __init__(self, n: int = 20) -> None:
        self.n = check_int("CCI", "period n", n, minimum=2)
        self._sums = WindowSums(self.n)
        self._mad = WindowMeanAbsDev(self.n)

    def update(self, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
        high, low, close = columns("CCI", "high, low and close", high, low, close)
        typical = high + low
        typical += close
        typical /= 3.0
        s = self._sums.update(typical)
        mean = s.s1
        mean /= self.n
        mean += s.shift
        scale = self._mad.update(typical, mean)
        scale *= 0.015
        cci = np.subtract(typical, mean, out=typical)
        with np.errstate(divide="ignore", invalid="ignore"):
            cci /= scale
        np.copyto(cci, 0.0, where=scale == 0.0)
        return cci


class ROC:
    """Rate of change in percent: 100 * (x[t] - x[t-n]) / x[t-n]; NaN for the first n
    bars and where x[t-n] is 0."""

    __slots__ = ("_lag", "n")

    def __init__(self, n: int) -> None:
        self.n = check_int("ROC", "period n", n)
        self._lag = Lag(self.n)

    def update(self, x: np.ndarray) -> np.ndarray:
        x = series("ROC", x)
        base = self._lag.update(x)
        roc = x - base
        roc *= 100.0
        with np.errstate(divide="ignore", invalid="ignore"):
            roc /= base
        np.copyto(roc, np.nan, where=base == 0.0)
        return roc
