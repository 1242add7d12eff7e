"""Funding schedule: bars holding funding times (every N hours from 00:00 UTC plus an offset,
e.g. BitMEX's 04:00/12:00/20:00) and their rates."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from plutarc.errors import ConfigError
from plutarc.strategy.context import TimeSeries

# Venue funding stamps carry a few ms of jitter (1768262400007 for 08:00): a rate stamped up
# to this long after a funding time belongs to that time.
STAMP_TOLERANCE_MS = 60_000


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """One funding settlement of a position; ``amount`` > 0 was paid, < 0 received (settle ccy)."""

    symbol: str
    ts_ms: int
    rate: float
    qty: Decimal
    price: Decimal
    amount: Decimal
    currency: str


class FundingSchedule:
    """Funding times inside bars and their rates, from a constant rate or a rate series."""

    def __init__(
        self, interval_ms: int, constant_rate: float | None, series: TimeSeries | None,
        offset_ms: int = 0,
    ) -> None:
        if constant_rate is not None and series is not None:
            raise ConfigError("give either funding_rate_constant or a funding series, not both")
        self.interval_ms = interval_ms
        self.offset_ms = offset_ms % interval_ms
        self.constant_rate = constant_rate
        self.series = series
        self.enabled = constant_rate is not None or series is not None
        self.bars: list[int] = []  # ascending indices of bars containing >= 1 funding time
        self.missing = 0  # funding times for which the series had no rate

    def index_bars(self, ts_ms: np.ndarray, bar_ms: int, start: int = 0) -> None:
        """Record which of the bars ``ts_ms`` (global indices from ``start``) hold funding times."""
        if start == 0:
            self.bars = []
        if not self.enabled or ts_ms.size == 0:
            return
        first_time = self.first_at_or_after(ts_ms)
        hits = np.flatnonzero(first_time < ts_ms + bar_ms)
        self.bars.extend((hits + start).tolist())

    def first_at_or_after(self, ts_ms):  # noqa: ANN001, ANN201 - int or int array
        """The first funding time at or after ``ts_ms`` (elementwise for arrays)."""
        off, step = self.offset_ms, self.interval_ms
        return -(-(ts_ms - off) // step) * step + off

    def forget_before(self, i0: int) -> None:
        """Drop funding bars before ``i0`` (bars the timeline no longer holds)."""
        if self.bars and self.bars[0] < i0:
            del self.bars[: bisect.bisect_left(self.bars, i0)]

    def next_bar(self, i0: int) -> int | None:
        """The first bar at or after ``i0`` that holds a funding time, if any is known."""
        k = bisect.bisect_left(self.bars, i0)
        return self.bars[k] if k < len(self.bars) else None

    def times_in(self, bar_ts_ms: int, bar_ms: int) -> range:
        first = int(self.first_at_or_after(bar_ts_ms))
        return range(first, bar_ts_ms + bar_ms, self.interval_ms)

    def rate_at(self, funding_ts_ms: int) -> float | None:
        """The rate settled at ``funding_ts_ms``; None when the series has no rate for it."""
        if self.constant_rate is not None:
            return self.constant_rate
        assert self.series is not None
        series = self.series
        k = int(np.searchsorted(series.ts_ms, funding_ts_ms + STAMP_TOLERANCE_MS, side="right")) - 1
        if k < 0 or funding_ts_ms - int(series.ts_ms[k]) > STAMP_TOLERANCE_MS:
            self.missing += 1
            return None
        rate = float(series.values[k])
        if math.isnan(rate):
            self.missing += 1
            return None
        return rate


class FundingFeed:
    """Hands each funding payment of a sim engine to the bot's trade tracker once, before the
    bar's fills: the backtester and paper bots call this same code, so funding lands on the
    same trade in both (a position closed at a bar's open paid that bar's funding first)."""

    def __init__(self, payments: list[FundingPayment]) -> None:
        self.payments = payments  # the engine's own list, appended to as it pays
        self.seen = 0

    def pass_to(self, add: Callable[[Decimal], None]) -> None:
        for payment in self.payments[self.seen:]:
            add(payment.amount)
        self.seen = len(self.payments)
