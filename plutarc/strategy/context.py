"""Market data beside candles (funding, open interest, spread), looked up causally by time."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TimeSeries:
    """Observations stamped ``ts_ms`` (ascending); a value is known from its stamp on."""

    ts_ms: np.ndarray
    values: np.ndarray

    def at(self, when_ms: np.ndarray, max_age_ms: int | None = None) -> np.ndarray:
        """The latest value stamped at or before each time; NaN if none (or too old)."""
        when_ms = np.asarray(when_ms, dtype=np.int64)
        if self.ts_ms.size == 0:
            return np.full(when_ms.shape, np.nan)
        idx = np.searchsorted(self.ts_ms, when_ms, side="right") - 1
        out = self.values[np.maximum(idx, 0)].astype(np.float64)
        out[idx < 0] = np.nan
        if max_age_ms is not None:
            out[(when_ms - self.ts_ms[np.maximum(idx, 0)]) > max_age_ms] = np.nan
        return out

    def append(self, ts_ms: int, value: float) -> None:
        if self.ts_ms.size and ts_ms <= self.ts_ms[-1]:
            return
        self.ts_ms = np.append(self.ts_ms, np.int64(ts_ms))
        self.values = np.append(self.values, float(value))


def _empty() -> TimeSeries:
    return TimeSeries(np.empty(0, np.int64), np.empty(0, np.float64))


@dataclass
class MarketContext:
    """What components may read besides their own candles. Missing series are empty: a
    component that needs them returns NaN (no opinion) and never raises."""

    funding: TimeSeries = field(default_factory=_empty)  # rate per funding period
    open_interest: TimeSeries = field(default_factory=_empty)
    spread_bps: TimeSeries = field(default_factory=_empty)
