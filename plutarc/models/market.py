"""Market data records: a single candle (arrays of them live in strategy.series)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Candle:
    """One OHLCV bar; ``ts_ms`` is the bar's OPEN time (UTC), whatever the venue stamps."""

    ts_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    interval_ms: int

    @property
    def close_ts_ms(self) -> int:
        return self.ts_ms + self.interval_ms

    def __post_init__(self) -> None:
        if not (self.low <= min(self.open, self.close) and self.high >= max(self.open, self.close)):
            raise ValueError(f"candle at {self.ts_ms}: high/low do not bound open/close")
