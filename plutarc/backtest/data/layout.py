"""Which column holds what: timestamps, OHLCV, funding and open-interest values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from plutarc.backtest.data.arrow_numpy import numbers
from plutarc.errors import DataError

if TYPE_CHECKING:
    import pyarrow as pa

# Timestamp columns, most preferred first. Close times are never used: ts_ms is the OPEN time.
TIMESTAMP_NAMES = (
    "timestamp", "open_time", "open_time_ms", "opentime", "date", "datetime", "time", "ts",
    "timestamp_ms", "time_ms", "open_time_utc", "unix_timestamp", "unix", "start_time",
    "starttime", "t",
)
OHLCV_NAMES: dict[str, tuple[str, ...]] = {
    "open": ("open", "o", "open_price"),
    "high": ("high", "h", "high_price"),
    "low": ("low", "l", "low_price"),
    "close": ("close", "c", "close_price"),
    "volume": ("volume", "v", "vol", "base_volume", "volume_base"),
}
FUNDING_NAMES = ("funding_rate", "fundingrate", "rate", "last_funding_rate", "funding")
OPEN_INTEREST_VALUE_NAMES = (
    "sum_open_interest_value", "sumopeninterestvalue", "open_interest_value",
    "openinterestvalue", "oi_value",
)
_PARENTHESISED = re.compile(r"\s*\(.*\)\s*$")


def normalise(name: str) -> str:
    """``' Open Time (ms)'`` -> ``'open_time'``: case, spaces and unit suffixes do not matter."""
    plain = _PARENTHESISED.sub("", name.strip().strip('"').strip())
    return re.sub(r"[\s\-]+", "_", plain).lower()


def find_column(names: Sequence[str], wanted: Sequence[str], label: str, role: str
                ) -> str | None:
    """The column whose normalised name is the earliest in ``wanted``; two candidates for the
    same name is ambiguous and an error."""
    by_name: dict[str, list[str]] = {}
    for name in names:
        by_name.setdefault(normalise(name), []).append(name)
    for candidate in wanted:
        found = by_name.get(candidate, [])
        if len(found) > 1:
            raise DataError(f"{label}: columns {', '.join(found)} could each be the {role}")
        if found:
            return found[0]
    return None


def columns_listing(names: Sequence[str]) -> str:
    shown = ", ".join(str(n) if n else "(unnamed)" for n in names[:15])
    return shown + (f" and {len(names) - 15} more" if len(names) > 15 else "")


def timestamp_column(names: Sequence[str], label: str) -> str:
    found = find_column(names, TIMESTAMP_NAMES, label, "timestamp")
    if found is None:
        raise DataError(f"{label}: no column looks like a timestamp; columns are "
                        f"{columns_listing(names)}")
    return found


@dataclass(frozen=True)
class CandleLayout:
    timestamp: str
    open: str
    high: str
    low: str
    close: str
    volume: str

    @property
    def prices(self) -> tuple[str, str, str, str, str]:
        return (self.open, self.high, self.low, self.close, self.volume)


def candle_layout(names: Sequence[str], label: str) -> CandleLayout:
    ts = timestamp_column(names, label)
    found = {role: find_column(names, aliases, label, role)
             for role, aliases in OHLCV_NAMES.items()}
    missing = [role for role, column in found.items() if column is None]
    if len(missing) == len(found):
        raise DataError(f"{label}: no open, high, low, close or volume columns, so not a candle "
                        f"file; columns are {columns_listing(names)}")
    if missing:
        raise DataError(f"{label}: no {'/'.join(missing)} column; columns are "
                        f"{columns_listing(names)}")
    return CandleLayout(ts, found["open"], found["high"], found["low"], found["close"],
                        found["volume"])  # type: ignore[arg-type]


def finite_values(array: pa.Array, label: str, column: str) -> np.ndarray:
    """A float64 arrow column as numpy; an empty or non-finite value is an error naming it."""
    if array.null_count == len(array):
        raise DataError(f"{label}: column {column!r} has no values in any row")
    if array.null_count:
        row = int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0]) + 1
        raise DataError(f"{label}: empty value in column {column!r} at data row {row}")
    values = numbers(array)  # no nulls here, so zero-copy
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise DataError(f"{label}: value {values[row - 1]} in column {column!r} at data row "
                        f"{row} is not a finite number")
    return values
