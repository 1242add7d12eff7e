"""Market data records: a single candle (arrays of them live in strategy.series).

Every candle obeys the one OHLC rule of :mod:`plutarc.models.ohlc`: open and close are the
venue's own, high/low are widened to bound them, bad prices are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from plutarc.models.ohlc import widen_one


@dataclass(frozen=True, slots=True)
class Candle:
    """One OHLCV bar; ``ts_ms`` is the bar's OPEN time (UTC), whatever the venue stamps.

    ``open``/``close`` are kept as given; ``high``/``low`` are widened to bound them (a BitMEX
    bin opens at the previous close, often outside its own trades' range). Non-positive
    prices, high below low and negative volume raise ValueError naming the bar."""

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
        high, low = widen_one(self.ts_ms, self.open, self.high, self.low, self.close,
                              self.volume)
        if high != self.high:
            object.__setattr__(self, "high", high)  # frozen: the one place it is set
        if low != self.low:
            object.__setattr__(self, "low", low)
