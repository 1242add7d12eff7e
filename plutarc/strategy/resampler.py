"""A streaming resampler: base bars in, newly CLOSED higher-interval bars out.

Used by the engine in every mode, so a backtest (one big chunk) and a live bot (one bar at a
time) see higher-interval candles close at exactly the same moments. A group closes when the
data reaches its end, or when a bar of a later group arrives (a gap at the end of a group).
"""

from __future__ import annotations

import numpy as np

from plutarc.strategy.series import Bars


class StreamingResampler:
    def __init__(self, base_ms: int, target_ms: int) -> None:
        if target_ms % base_ms:
            raise ValueError(f"{target_ms} ms is not a multiple of the base {base_ms} ms")
        self.base_ms = base_ms
        self.target_ms = target_ms
        self._pending = Bars.empty(base_ms)

    def update(self, chunk: Bars) -> Bars:
        if self.target_ms == self.base_ms:
            return chunk
        z = self._pending.concat(chunk) if len(self._pending) else chunk
        n = len(z)
        if n == 0:
            return Bars.empty(self.target_ms)
        group = z.ts_ms // self.target_ms
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        group_open = group[starts] * self.target_ms
        data_end = int(z.ts_ms[-1]) + self.base_ms
        closed = group_open + self.target_ms <= data_end
        closed[:-1] = True  # a later group exists: time has passed the earlier ones
        n_closed = int(closed.sum())
        if n_closed < starts.size:
            self._pending = z.slice(int(starts[n_closed]), n)
        else:
            self._pending = Bars.empty(self.base_ms)
        if n_closed == 0:
            return Bars.empty(self.target_ms)
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
