"""A streaming resampler: base bars in, newly CLOSED higher-interval bars out.

Used by the engine in every mode, so a backtest (one big chunk) and a live bot (one bar at a
time) see higher-interval candles close at exactly the same moments. A group closes when the
data reaches its end, or when a bar of a later group arrives (a gap at the end of a group).
"""

from __future__ import annotations

import numpy as np

from plutarc.strategy.series import Bars

_FIRST = np.zeros(1, dtype=np.intp)  # reduceat over one whole group


class StreamingResampler:
    def __init__(self, base_ms: int, target_ms: int) -> None:
        if target_ms % base_ms:
            raise ValueError(f"{target_ms} ms is not a multiple of the base {base_ms} ms")
        self.base_ms = base_ms
        self.target_ms = target_ms
        # The open group's bars as Python lists (a live bot appends one bar per call, and a
        # list append is far cheaper than re-concatenating arrays every minute).
        self._group = 0  # group number (open time // target) of the pending bars
        self._ts: list[int] = []
        self._open: list[float] = []
        self._high: list[float] = []
        self._low: list[float] = []
        self._close: list[float] = []
        self._volume: list[float] = []
        self._none = Bars.empty(target_ms)

    def update(self, chunk: Bars) -> Bars:
        if self.target_ms == self.base_ms:
            return chunk
        if len(chunk) == 1:
            return self._one(chunk)
        return self._many(chunk)

    def _one(self, bar: Bars) -> Bars:
        """A single new bar (the live path): no array concatenation unless a group closes."""
        ts = int(bar.ts_ms[0])
        group = ts // self.target_ms
        if self._ts and group != self._group:
            return self._many(bar)  # a gap closed the pending group: the general rule
        self._group = group
        self._ts.append(ts)
        self._open.append(float(bar.open[0]))
        self._high.append(float(bar.high[0]))
        self._low.append(float(bar.low[0]))
        self._close.append(float(bar.close[0]))
        self._volume.append(float(bar.volume[0]))
        if (group + 1) * self.target_ms > ts + self.base_ms:
            return self._none  # the group is still open
        # Same reductions as _many over the same values, so the numbers are identical.
        out = Bars(
            self.target_ms,
            np.array([group * self.target_ms], dtype=np.int64),
            np.array(self._open[:1]),
            np.maximum.reduceat(np.array(self._high), _FIRST),
            np.minimum.reduceat(np.array(self._low), _FIRST),
            np.array(self._close[-1:]),
            np.add.reduceat(np.array(self._volume), _FIRST),
        )
        self._keep(Bars.empty(self.base_ms))
        return out

    def _pending(self) -> Bars:
        return Bars(self.base_ms, np.array(self._ts, dtype=np.int64), np.array(self._open),
                    np.array(self._high), np.array(self._low), np.array(self._close),
                    np.array(self._volume))

    def _keep(self, pending: Bars) -> None:
        self._ts = pending.ts_ms.tolist()
        self._open = pending.open.tolist()
        self._high = pending.high.tolist()
        self._low = pending.low.tolist()
        self._close = pending.close.tolist()
        self._volume = pending.volume.tolist()
        if self._ts:
            self._group = self._ts[0] // self.target_ms

    def _many(self, chunk: Bars) -> Bars:
        z = self._pending().concat(chunk) if self._ts else chunk
        n = len(z)
        if n == 0:
            return self._none
        group = z.ts_ms // self.target_ms
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        group_open = group[starts] * self.target_ms
        data_end = int(z.ts_ms[-1]) + self.base_ms
        closed = group_open + self.target_ms <= data_end
        closed[:-1] = True  # a later group exists: time has passed the earlier ones
        n_closed = int(closed.sum())
        if n_closed < starts.size:
            self._keep(z.slice(int(starts[n_closed]), n))
        else:
            self._keep(Bars.empty(self.base_ms))
        if n_closed == 0:
            return self._none
        cut = int(starts[n_closed]) if n_closed < starts.size else n
        s = starts[:n_closed]
        stops = np.r_[starts[1:], n][:n_closed]
        return Bars(
            self.target_ms,
            group_open[:n_closed],
            z.open[s],
            np.maximum.reduceat(z.high[:cut], s),
            np.minimum.reduceat(z.low[:cut], s),
            z.close[stops - 1],
            np.add.reduceat(z.volume[:cut], s),
        )
