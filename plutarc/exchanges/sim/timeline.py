"""The matching timeline: OHLCV (+ATR) arrays set once (backtest) or grown bar by bar (paper)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from plutarc.errors import DataError, UsageError
from plutarc.models import Candle
from plutarc.models.ohlc import widen_arrays
from plutarc.strategy.series import Bars

_FIELDS = ("open", "high", "low", "close", "volume", "atr")
_MIN_CAPACITY = 64


class Timeline:
    """Bar arrays addressed by global bar index: bar ``i`` is row ``i - base``.

    ``set`` installs a whole series (a backtest: ``base`` stays 0). ``append`` grows it bar
    by bar (paper); when the buffers are full it first drops the bars older than both the
    last ``keep`` and ``keep_from`` (the oldest bar the caller still reads), and doubles the
    buffers only if that frees less than half. So a replay of any length holds at most about
    2 x ``keep`` bars, and appending stays amortised O(1). ``keep=None`` keeps every bar.
    """

    def __init__(self, interval_ms: int | None = None, keep: int | None = None) -> None:
        if keep is not None and keep < 1:
            raise UsageError(f"a timeline must keep at least 1 bar (keep={keep})")
        self.interval_ms = interval_ms or 0
        self.keep = keep
        self.base = 0  # global index of row 0
        self._owned = True  # set() may hold the caller's arrays: never written in place
        self.n = 0  # bars seen; rows hold bars base .. n-1
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
        self.close = np.ascontiguousarray(bars.close, np.float64)
        self.volume = np.ascontiguousarray(bars.volume, np.float64)
        # the one OHLC rule (plutarc.models.ohlc), as for candles: fills see the open's price
        high, low = widen_arrays(self.open, np.ascontiguousarray(bars.high, np.float64),
                                 np.ascontiguousarray(bars.low, np.float64), self.close,
                                 self.volume, "bars")
        self.high, self.low = high, low
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
        self.base = 0
        self._owned = False
        self.n = n

    @property
    def rows(self) -> int:
        """Bars held in the arrays (``n - base``)."""
        return self.n - self.base

    def append(
        self, candle: Candle, atr: float | None = None,
        keep_from: Callable[[], int] | None = None,
    ) -> int:
        """Add one closed candle; returns its global index. ``keep_from`` gives the oldest bar
        the caller still reads (never dropped); it is asked only when room is needed."""
        if self.interval_ms and candle.interval_ms != self.interval_ms:
            raise DataError(
                f"candle at {candle.ts_ms} is {candle.interval_ms} ms long; "
                f"this timeline is {self.interval_ms} ms"
            )
        rows = self.n - self.base
        if rows and candle.ts_ms <= self.ts_ms.item(rows - 1):
            raise DataError(
                f"candle at {candle.ts_ms} is not after the last ({self.ts_ms.item(rows - 1)})"
            )
        self.interval_ms = candle.interval_ms
        if rows == self.ts_ms.shape[0]:
            self._make_room(keep_from)
            rows = self.n - self.base
        self.ts_ms[rows] = candle.ts_ms
        self.open[rows] = candle.open
        self.high[rows] = candle.high
        self.low[rows] = candle.low
        self.close[rows] = candle.close
        self.volume[rows] = candle.volume
        self.atr[rows] = np.nan if atr is None else atr
        self.has_atr = self.has_atr or atr is not None
        i = self.n
        self.n = i + 1
        return i

    def _make_room(self, keep_from: Callable[[], int] | None) -> None:
        if self.keep is not None and self._owned:
            first = self.n - self.keep
            if keep_from is not None:
                first = min(first, keep_from())
            if first > self.base:
                self._drop_before(first)
        capacity = self.ts_ms.shape[0]
        if capacity == 0 or 2 * (self.n - self.base) > capacity:
            self._grow()

    def _drop_before(self, first: int) -> None:
        """Forget bars before global index ``first``; the rest moves to row 0."""
        shift, kept = first - self.base, self.n - first
        for name in ("ts_ms", *_FIELDS):
            array = getattr(self, name)
            array[:kept] = array[shift : shift + kept]  # numpy copes with the overlap
        self.base = first

    def _grow(self) -> None:
        rows = self.n - self.base
        capacity = max(_MIN_CAPACITY, 2 * self.ts_ms.shape[0])
        ts = np.zeros(capacity, np.int64)
        ts[:rows] = self.ts_ms[:rows]
        self.ts_ms = ts
        for name in _FIELDS:
            grown = np.full(capacity, np.nan)
            grown[:rows] = getattr(self, name)[:rows]
            setattr(self, name, grown)
        self._owned = True

    def bars(self) -> Bars:
        """The bars held (global indices ``base`` .. ``n-1``) as a Bars record (views, no copy)."""
        rows = self.n - self.base
        return Bars(
            self.interval_ms,
            self.ts_ms[:rows],
            self.open[:rows],
            self.high[:rows],
            self.low[:rows],
            self.close[:rows],
            self.volume[:rows],
        )

    def first_closing_after(self, now_ms: int, hint: int = 0) -> int:
        """Global index of the first bar whose close is after ``now_ms`` (``n`` when none is
        known yet; ``base`` at the earliest): the first bar an order placed at ``now_ms`` can
        trade in. ``hint`` is a likely answer (the engine's next bar), checked first because
        time mostly moves bar by bar."""
        base, rows = self.base, self.n - self.base
        if rows == 0:
            return self.n
        opened_by = now_ms - self.interval_ms  # bars opening after this close after now_ms
        ts = self.ts_ms
        h = hint - base
        if 0 <= h < rows and ts.item(h) > opened_by and (h == 0 or ts.item(h - 1) <= opened_by):
            return hint
        return base + int(np.searchsorted(ts[:rows], opened_by, side="right"))
