"""Rolling latency statistics (p50 / p99 / max over the last N samples), cheap to record.

Recording is O(1) into a ring buffer; quantiles are computed only when asked for, so the
websocket hot path pays one list store per sample. Nothing here is BitMEX-specific: the
daemon can expose any ``LatencyStats`` it is handed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LatencySnapshot:
    name: str
    count: int  # samples recorded since creation
    p50: float
    p99: float
    max: float
    unit: str


class LatencyStats:
    """The last ``window`` samples of one latency, in ``unit`` (ms or us)."""

    __slots__ = ("_i", "_samples", "count", "name", "unit", "window")

    def __init__(self, name: str, window: int = 1024, unit: str = "ms") -> None:
        if window < 1:
            raise ValueError("a latency window needs at least one sample")
        self.name = name
        self.unit = unit
        self.window = window
        self._samples: list[float] = []
        self._i = 0
        self.count = 0

    def record(self, value: float) -> None:
        if len(self._samples) < self.window:
            self._samples.append(value)
        else:
            self._samples[self._i] = value
            self._i = (self._i + 1) % self.window
        self.count += 1

    def quantile(self, q: float) -> float:
        """Nearest-rank quantile of the window; NaN when empty."""
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"quantile must be in [0, 1], got {q}")
        if not self._samples:
            return math.nan
        ordered = sorted(self._samples)
        rank = max(1, math.ceil(q * len(ordered)))
        return ordered[rank - 1]

    def snapshot(self) -> LatencySnapshot:
        if not self._samples:
            return LatencySnapshot(self.name, self.count, math.nan, math.nan, math.nan, self.unit)
        ordered = sorted(self._samples)
        n = len(ordered)
        return LatencySnapshot(
            self.name,
            self.count,
            ordered[max(1, math.ceil(0.5 * n)) - 1],
            ordered[max(1, math.ceil(0.99 * n)) - 1],
            ordered[-1],
            self.unit,
        )


class LatencyBook:
    """Named latency statistics created on first use."""

    def __init__(self, window: int = 1024) -> None:
        self._window = window
        self._stats: dict[str, LatencyStats] = {}

    def get(self, name: str, unit: str = "ms") -> LatencyStats:
        stats = self._stats.get(name)
        if stats is None:
            stats = self._stats[name] = LatencyStats(name, self._window, unit)
        return stats

    def snapshots(self) -> list[LatencySnapshot]:
        return [stats.snapshot() for _name, stats in sorted(self._stats.items())]
