"""Volume indicators: anchored VWAP and on-balance volume."""

from __future__ import annotations

import numpy as np

from plutarc.strategy.indicators._common import EMPTY, check_int, columns
from plutarc.strategy.indicators.stream import CumSum, Lag


class VWAP:
    """Typical-price VWAP, sum(tp * volume) / sum(volume) with tp = (high + low + close) / 3,
    restarted on the first bar of each anchor period: bars belong to period
    ``ts_ms // anchor_ms`` of their open time (the default is the UTC day). NaN while a
    period has no volume yet. ``ts_ms`` must not go backwards."""

    __slots__ = ("_period", "_pv", "_ts", "_v", "anchor_ms")

    def __init__(self, anchor_ms: int = 86_400_000) -> None:
        self.anchor_ms = check_int("VWAP", "anchor_ms", anchor_ms)
        self._period: int | None = None  # anchor period of the last bar seen
        self._pv = 0.0  # running sums of that period
        self._v = 0.0
        self._ts: int | None = None

    def update(
        self,
        ts_ms: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray,
    ) -> np.ndarray:
        ts = _timestamps(ts_ms)
        high, low, close, volume = columns(
            "VWAP", "high, low, close and volume", high, low, close, volume
        )
        if ts.size != close.size:
            raise ValueError(
                f"VWAP.update: ts_ms has {ts.size} bars but the prices have {close.size}"
            )
        if ts.size == 0:
            return EMPTY
        if np.any(ts[1:] < ts[:-1]) or (self._ts is not None and ts[0] < self._ts):
            raise ValueError("VWAP.update: ts_ms must not go backwards")
        period = ts // self.anchor_ms
        pv = (high + low + close) / 3.0 * volume
        v = volume.copy()
        if period[0] == self._period:
            # Continue the open period: adding its running sums to the first bar keeps
            # the order of additions a single call would have used.
            pv[0] = self._pv + pv[0]
            v[0] = self._v + v[0]
        starts = np.flatnonzero(period[1:] != period[:-1]) + 1
        cum_pv, cum_v = _segment_cumsums(starts, pv, v)
        self._period, self._pv, self._v = int(period[-1]), float(cum_pv[-1]), float(cum_v[-1])
        self._ts = int(ts[-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            vwap = cum_pv / cum_v
        return np.where(cum_v == 0.0, np.nan, vwap)


def _timestamps(ts_ms: np.ndarray) -> np.ndarray:
    ts = np.atleast_1d(np.asarray(ts_ms))
    if ts.dtype.kind == "f":
        if not np.all(np.isfinite(ts)) or np.any(ts != np.floor(ts)):
            raise ValueError("VWAP.update: ts_ms must be whole milliseconds")
        ts = ts.astype(np.int64)
    elif ts.dtype.kind not in "iu":
        raise ValueError(f"VWAP.update: ts_ms must be integers, got dtype {ts.dtype}")
    if ts.ndim != 1:
        raise ValueError(f"VWAP.update expects 1-D arrays of bar values, got shape {ts.shape}")
    return ts.astype(np.int64, copy=False)


def _segment_cumsums(starts: np.ndarray, *columns: np.ndarray) -> list[np.ndarray]:
    """Running sums of each column that restart at each index in ``starts``, each summed
    from its own start (no total carried across a restart, so nothing cancels)."""
    size = columns[0].size
    if starts.size == 0:
        return [np.cumsum(x) for x in columns]
    bounds = np.concatenate(([0], starts, [size]))
    lengths = np.diff(bounds)
    rows, width = lengths.size, int(lengths.max())
    if rows * width > 4 * size + 4096:
        # Very uneven periods: padding to a grid would waste memory; sum period by period.
        pairs = list(zip(bounds[:-1], bounds[1:], strict=True))
        return [np.concatenate([np.cumsum(x[a:b]) for a, b in pairs]) for x in columns]
    # One period per grid row, zero-padded after its last bar.
    cell = np.arange(size) + np.repeat(np.arange(rows) * width - bounds[:-1], lengths)
    out = []
    for x in columns:
        grid = np.zeros(rows * width)
        grid[cell] = x
        np.cumsum(grid.reshape(rows, width), axis=1, out=grid.reshape(rows, width))
        out.append(grid[cell])
    return out


class OBV:
    """On-balance volume: 0 on the first bar, then + volume on an up close, - volume on a
    down close, unchanged on an equal close (a running total from the first bar seen)."""

    __slots__ = ("_prev", "_total")

    def __init__(self) -> None:
        self._prev = Lag(1)
        self._total = CumSum()

    def update(self, close: np.ndarray, volume: np.ndarray) -> np.ndarray:
        close, volume = columns("OBV", "close and volume", close, volume)
        prev = self._prev.update(close)
        signed = np.sign(np.subtract(close, prev, out=prev), out=prev)
        np.nan_to_num(signed, copy=False)  # the first bar has no previous close: 0
        signed *= volume
        return self._total.update(signed)
