"""The matching timeline: OHLCV (+ATR) arrays set once (backtest) or grown bar by bar (paper)."""

from __future__ import annotations

import numpy as np

from plutarc.errors import DataError
from plutarc.models import Candle
from plutarc.strategy.series import Bars

_FIELDS = ("open", "high", "low", "close", "volume", "atr")


class Timeline:
    """Bar arrays with spare capacity: ``n`` bars are valid, appending doubles the buffers
    when full so a paper bot replaying a long file stays linear in time."""

    def __init__(self, interval_ms: int | None = None) -> None:
        self.interval_ms = interval_ms or 0
        self.n = 0
        self.ts_ms = np.empty(0, np.int64)
        self.open = self.high = self.low = self.close = np.empty(0, np.float64)
        self.volume = self.atr = np.empty(0, np.float64)
        self.has_atr = False

    def set(self, bars: Bars, atr: np.ndarray | None = None) -> None:
        n = len(bars)
        if n > 1 and np.any(np.diff(bars.ts_ms) <= 0):
            raise DataError("bar open times must be strictly increasing")
        self.interval_ms = bars.interval_ms
        self.ts_ms = np.ascontiguousarray(bars.ts_ms, np.int64)
        self.open = np.ascontiguousarray(bars.open, np.float64)
        self.high = np.ascontiguousarray(bars.high, np.float64)
        self.low = np.ascontiguousarray(bars.low, np.float64)
        self.close = np.ascontiguousarray(bars.close, np.float64)
        self.volume = np.ascontiguousarray(bars.volume, np.float64)
        if atr is not None:
            atr = np.ascontiguousarray(atr, np.float64)
            if atr.shape != (n,):
                raise DataError(
                    f"the ATR array has shape {atr.shape}; expected ({n},) like the bars"
                )
            self.atr = atr
        else:
            self.atr = np.full(n, np.nan)
        self.has_atr = atr is not None
        self.n = n

    def append(self, candle: Candle, atr: float | None = None) -> int:
        """Add one closed candle; returns its index."""
        if self.interval_ms and candle.interval_ms != self.interval_ms:
            raise DataError(
                f"candle at {candle.ts_ms} is {candle.interval_ms} ms long; "
                f"this timeline is {self.interval_ms} ms"
            )
        if self.n and candle.ts_ms <= int(self.ts_ms[self.n - 1]):
            raise DataError(
                f"candle at {candle.ts_ms} is not after the last ({int(self.ts_ms[self.n - 1])})"
            )
        self.interval_ms = candle.interval_ms
        if self.n == self.ts_ms.shape[0]:
            self._grow()
        i = self.n
        self.ts_ms[i] = candle.ts_ms
        self.open[i] = candle.open
        self.high[i] = candle.high
        self.low[i] = candle.low
        self.close[i] = candle.close
        self.volume[i] = candle.volume
        self.atr[i] = np.nan if atr is None else atr
        self.has_atr = self.has_atr or atr is not None
        self.n = i + 1
        return i

    def _grow(self) -> None:
        capacity = max(64, 2 * self.ts_ms.shape[0])
        ts = np.zeros(capacity, np.int64)
        ts[: self.n] = self.ts_ms[: self.n]
        self.ts_ms = ts
        for name in _FIELDS:
            grown = np.full(capacity, np.nan)
            grown[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, grown)

    def bars(self) -> Bars:
        """The valid bars as a Bars record (views, no copy)."""
        n = self.n
        return Bars(
            self.interval_ms,
            self.ts_ms[:n],
            self.open[:n],
            self.high[:n],
            self.low[:n],
            self.close[:n],
            self.volume[:n],
        )

    def first_closing_after(self, now_ms: int, hint: int = 0) -> int:
        """Index of the first bar whose close is after ``now_ms`` (``n`` when none is known yet):
        the first bar an order placed at ``now_ms`` can trade in. ``hint`` is a likely answer
        (the engine's next bar), checked first because time mostly moves bar by bar."""
        n = self.n
        if n == 0:
            return 0
        opened_by = now_ms - self.interval_ms  # bars opening after this close after now_ms
        ts = self.ts_ms
        if (
            0 <= hint < n
            and ts.item(hint) > opened_by
            and (hint == 0 or ts.item(hint - 1) <= opened_by)
        ):
            return hint
        return int(np.searchsorted(ts[:n], opened_by, side="right"))
