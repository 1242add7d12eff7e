"""Funding and open-interest series for a run: one place that turns them into the strategy's
MarketContext and the sim venue's funding schedule, for backtests and paper bots alike.

The schedule (hours between funding times, and the first one after 00:00 UTC) is read from
the funding series itself, so a Binance series is charged at 00/08/16 UTC and a BitMEX one at
04/12/20 UTC without the shared code knowing which venue it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plutarc.errors import DataError
from plutarc.exchanges.sim.config import SimConfig
from plutarc.strategy.context import MarketContext, TimeSeries

HOUR_MS = 3_600_000
NO_FUNDING_NOTE = ("no funding data: funding was not charged, so a perpetual's result leaves "
                   "out what holding it paid or earned every funding period; give --funding FILE "
                   "(or download it with plutarc data download)")


@dataclass(frozen=True)
class MarketInputs:
    """What a run knows besides candles. Either series may be absent."""

    funding: TimeSeries | None = None  # as strategies see it (each value from its stamp on)
    open_interest: TimeSeries | None = None
    funding_charged: TimeSeries | None = None  # charged, when it differs from ``funding``
    notes_: tuple[str, ...] = ()
    origin: str = ""  # where the funding came from, as the notes say it

    @property
    def charged(self) -> TimeSeries | None:
        """The series the sim venue charges funding from."""
        return self.funding_charged if self.funding_charged is not None else self.funding

    def context(self) -> MarketContext:
        ctx = MarketContext()
        if self.funding is not None:
            ctx.funding = self.funding
        if self.open_interest is not None:
            ctx.open_interest = self.open_interest
        return ctx

    def sim_config(self, base: SimConfig) -> SimConfig:
        """``base`` with the funding schedule of the funding series (unchanged without one)."""
        if self.charged is None:
            return base
        interval_h, offset_h = funding_schedule(self.charged)
        return base.model_copy(update={"funding_interval_h": interval_h,
                                       "funding_offset_h": offset_h})

    def notes(self) -> list[str]:
        return list(self.notes_) if self.funding is not None else [NO_FUNDING_NOTE]


def funding_schedule(series: TimeSeries) -> tuple[int, int]:
    """(hours between funding times, hours after 00:00 UTC of the first), from the stamps:
    the most common spacing, and the most common phase of the stamps in it."""
    hours = np.asarray(series.ts_ms, dtype=np.int64) // HOUR_MS
    if hours.size < 2:
        raise DataError("a funding series needs at least two funding times to show its "
                        "schedule")
    steps, counts = np.unique(np.diff(hours), return_counts=True)
    interval = int(steps[np.argmax(counts)])
    if interval < 1 or 24 % interval:
        raise DataError(f"funding series: its funding times are {interval} h apart, which "
                        "does not divide a day; expected e.g. 8 h (or 1 h, 4 h)")
    phases, counts = np.unique(hours % interval, return_counts=True)
    return interval, int(phases[np.argmax(counts)])


def load_inputs(funding: str | Path | None, open_interest: str | Path | None) -> MarketInputs:
    """The series in the given files (either may be None). A file of daily mean funding is
    charged at the day's mean at each funding time and seen by strategies the day after."""
    from plutarc.backtest.data import load_funding, load_open_interest
    from plutarc.backtest.data.market_series import daily_mean_column, load_daily_mean_funding

    oi = load_open_interest(open_interest) if open_interest else None
    origin = Path(funding).name if funding else ""
    if funding and daily_mean_column(funding):
        seen, charged = load_daily_mean_funding(funding)
        return MarketInputs(seen, oi, charged, origin=origin, notes_=(
            f"{Path(funding).name} holds daily means, not the 8-hourly prints: each funding "
            "time is charged the day's mean, and strategies see a day's mean from the next "
            "00:00 UTC",))
    return MarketInputs(load_funding(funding) if funding else None, oi, origin=origin)
