"""A bar series' interval, its missing bars (gaps), and how to describe them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plutarc.backtest.data.timestamps import fmt_utc
from plutarc.errors import DataError
from plutarc.intervals import INTERVAL_MS

_DAY_MS, _HOUR_MS, _MINUTE_MS = 86_400_000, 3_600_000, 60_000


@dataclass(frozen=True)
class Gap:
    """Bars absent from a series: ``start_ms`` is the open time of the first missing bar,
    ``end_ms`` the open time of the next bar present (exclusive end)."""

    start_ms: int
    end_ms: int
    missing_bars: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def interval_label(length_ms: int) -> str:
    """``60000`` -> ``'1m'``; lengths without a plutarc name still read naturally (``'1w'``)."""
    for name, known in INTERVAL_MS.items():
        if known == length_ms:
            return name
    if length_ms == 7 * _DAY_MS:
        return "1w"
    for unit_ms, suffix in ((_DAY_MS, "d"), (_HOUR_MS, "h"), (_MINUTE_MS, "m"), (1000, "s")):
        if length_ms % unit_ms == 0:
            return f"{length_ms // unit_ms}{suffix}"
    return f"{length_ms}ms"


def duration_label(length_ms: int) -> str:
    """``2d 3h 5m`` style, for people."""
    days, rest = divmod(length_ms, _DAY_MS)
    hours, rest = divmod(rest, _HOUR_MS)
    minutes, rest = divmod(rest, _MINUTE_MS)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m")) if v]
    if rest or not parts:
        parts.append(f"{rest / 1000:g}s")
    return " ".join(parts)


def check_increasing(ts_ms: np.ndarray, label: str) -> None:
    """Bars must be in time order with no repeats; name the first offending row."""
    steps = np.diff(ts_ms)
    bad = np.flatnonzero(steps <= 0)
    if not bad.size:
        return
    i = int(bad[0])
    here, there = int(ts_ms[i + 1]), int(ts_ms[i])
    if here == there:
        raise DataError(f"{label}: duplicate timestamp {fmt_utc(here)} at data rows "
                        f"{i + 1} and {i + 2}")
    raise DataError(f"{label}: timestamps go backwards at data row {i + 2} "
                    f"({fmt_utc(here)} after {fmt_utc(there)})")


def detect_interval(ts_ms: np.ndarray, label: str) -> int:
    """The bar length: the most common step between bars. Every step must be a whole number of
    bars; anything else means mixed intervals or bars off the grid, which we refuse."""
    return scan(ts_ms, label)[0]


def scan(ts_ms: np.ndarray, label: str) -> tuple[int, list[Gap]]:
    """The bar interval and the gaps, from one pass over the steps between bars."""
    if ts_ms.size < 2:
        raise DataError(f"{label}: holds only {ts_ms.size} bar; at least two are needed to tell "
                        "the bar interval")
    steps = np.diff(ts_ms)
    first = steps[0]
    if (steps == first).all():  # the usual gap-free file, without sorting 500k steps
        return int(first), []
    values, counts = np.unique(steps, return_counts=True)
    interval = int(values[np.argmax(counts)])
    off_grid = np.flatnonzero(steps % interval != 0)
    if off_grid.size:
        i = int(off_grid[0])
        raise DataError(f"{label}: the bar at {fmt_utc(int(ts_ms[i + 1]))} opens "
                        f"{duration_label(int(steps[i]))} after the previous one, which is not a "
                        f"whole number of {interval_label(interval)} bars (the file's usual step)")
    return interval, _gaps_from_steps(ts_ms, steps, interval)


def find_gaps(ts_ms: np.ndarray, interval_ms: int) -> list[Gap]:
    """Every jump larger than one interval, as a gap; nothing is filled."""
    return _gaps_from_steps(ts_ms, np.diff(ts_ms), interval_ms)


def _gaps_from_steps(ts_ms: np.ndarray, steps: np.ndarray, interval_ms: int) -> list[Gap]:
    jumps = np.flatnonzero(steps > interval_ms)
    return [
        Gap(int(ts_ms[i]) + interval_ms, int(ts_ms[i + 1]), int(steps[i] // interval_ms) - 1)
        for i in jumps
    ]


def _bars(count: int) -> str:
    return f"{count} bar" if count == 1 else f"{count} bars"


def describe_gaps(gaps: list[Gap]) -> str:
    """One line for people: how many gaps, how many bars are missing, which gap is largest."""
    if not gaps:
        return "no gaps"
    missing = sum(g.missing_bars for g in gaps)
    largest = max(gaps, key=lambda g: g.missing_bars)
    where = f"{fmt_utc(largest.start_ms)} until {fmt_utc(largest.end_ms)}"
    if len(gaps) == 1:
        return (f"1 gap: {_bars(missing)} missing ({duration_label(largest.duration_ms)}) "
                f"from {where}")
    return (f"{len(gaps)} gaps, {_bars(missing)} missing; largest {_bars(largest.missing_bars)} "
            f"({duration_label(largest.duration_ms)}) from {where}")
