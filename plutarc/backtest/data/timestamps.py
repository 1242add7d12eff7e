"""Timestamps in data files and arguments, turned into epoch milliseconds UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from plutarc.backtest.data.arrow_numpy import numbers
from plutarc.errors import DataError, UsageError

if TYPE_CHECKING:
    import pyarrow as pa

# Epoch magnitudes: below 1e11 is seconds (up to year 5138), below 1e14 milliseconds, below
# 1e17 microseconds, above that nanoseconds. Real stamps between 1973 and 5138 never collide.
_S_LIMIT, _MS_LIMIT, _US_LIMIT = 10**11, 10**14, 10**17
EARLIEST_MS = 631_152_000_000  # 1990-01-01: nothing older is plausible market data
LATEST_MS = 4_102_444_800_000  # 2100-01-01
_EPOCH_INT = re.compile(r"^[+-]?\d+$")


def fmt_utc(ts_ms: int) -> str:
    """``2024-01-01 00:00 UTC``; seconds and milliseconds appear only when not zero."""
    moment = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    if ts_ms % 1000:
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"
    if ts_ms % 60_000:
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def parse_time_arg(value: str | int, name: str) -> int:
    """A ``start``/``end`` argument (ISO date or datetime, naive = UTC, or epoch ms) in ms."""
    if isinstance(value, bool):
        raise UsageError(f"{name} must be an ISO date/datetime or epoch milliseconds, not {value}")
    if isinstance(value, str) and _EPOCH_INT.match(value.strip()):
        value = int(value.strip())
    if isinstance(value, int):
        if abs(value) < _S_LIMIT:
            raise UsageError(f"{name} {value} looks like epoch seconds; pass epoch milliseconds")
        return value
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"{name} {value!r} is not an ISO date/datetime (UTC) or epoch milliseconds"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(round(moment.timestamp() * 1000))


def epoch_to_ms(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Epoch numbers in s, ms, µs or ns (decided per value by magnitude) as int64 ms."""
    if values.dtype.kind == "f":
        magnitude = np.abs(values)
        scaled = np.select(
            [magnitude < _S_LIMIT, magnitude < _MS_LIMIT, magnitude < _US_LIMIT],
            [values * 1000.0, values, values / 1000.0],
            values / 1_000_000.0,
        )
        units = _units_present(magnitude)
        return np.rint(scaled).astype(np.int64), units
    values = values.astype(np.int64, copy=False)
    low, high = (int(values.min()), int(values.max())) if values.size else (_S_LIMIT, _S_LIMIT)
    if low >= _S_LIMIT and high < _MS_LIMIT:  # the common case: already ms, no copy
        return values, ["ms"]
    magnitude = np.abs(values)
    out = np.select(
        [magnitude < _S_LIMIT, magnitude < _MS_LIMIT, magnitude < _US_LIMIT],
        [values * 1000, values, values // 1000],
        values // 1_000_000,
    )
    return out.astype(np.int64, copy=False), _units_present(magnitude)


def _units_present(magnitude: np.ndarray) -> list[str]:
    bounds = ((0, _S_LIMIT, "s"), (_S_LIMIT, _MS_LIMIT, "ms"), (_MS_LIMIT, _US_LIMIT, "µs"))
    units = [unit for lo, hi, unit in bounds if np.any((magnitude >= lo) & (magnitude < hi))]
    return units + (["ns"] if np.any(magnitude >= _US_LIMIT) else [])


def arrow_to_ms(array: pa.Array, label: str, column: str) -> tuple[np.ndarray, list[str]]:
    """A timestamp column of any arrow type as int64 epoch ms, plus notes on units found."""
    import pyarrow as pa

    if array.null_count:
        row = int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0]) + 1
        raise DataError(f"{label}: empty timestamp in column {column!r} at data row {row}")
    kind = array.type
    notes: list[str] = []
    if pa.types.is_timestamp(kind):
        raw = numbers(array.cast(pa.int64()))
        per_ms = {"s": -1000, "ms": 1, "us": 1000, "ns": 1_000_000}[kind.unit]
        ts_ms = raw * 1000 if per_ms == -1000 else raw // per_ms
    elif pa.types.is_date32(kind):
        ts_ms = numbers(array.cast(pa.int32())).astype(np.int64) * 86_400_000
    elif pa.types.is_date64(kind):
        ts_ms = numbers(array.cast(pa.int64()))
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
        values = numbers(array)  # no nulls here, so zero-copy
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0]) + 1
            raise DataError(f"{label}: timestamp {values[row - 1]} in column {column!r} "
                            f"at data row {row} is not a number")
        ts_ms, units = epoch_to_ms(values)
        if units != ["ms"]:
            notes.append(f"column {column!r} holds epoch {' and '.join(units)}; "
                         "converted to ms by magnitude")
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _strings_to_ms(array.to_pylist(), label, column)
    else:
        raise DataError(f"{label}: column {column!r} has type {kind}, not a timestamp")
    check_plausible(ts_ms, label, column)
    return ts_ms.astype(np.int64, copy=False), notes


def _strings_to_ms(texts: list[str], label: str, column: str) -> tuple[np.ndarray, list[str]]:
    # The first value decides what the column holds; the first value that differs is named.
    if _EPOCH_INT.match(texts[0]):
        for row, text in enumerate(texts, start=1):
            if not _EPOCH_INT.match(text):
                raise _bad_stamp(label, column, text, row)
        import pyarrow as pa

        return arrow_to_ms(pa.array([int(t) for t in texts], pa.int64()), label, column)
    import pandas as pd

    parsed = pd.to_datetime(pd.Series(texts), format="ISO8601", utc=True, errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        raise _bad_stamp(label, column, texts[int(bad[0])], int(bad[0]) + 1)
    ts_ms = parsed.to_numpy(dtype="datetime64[ms]").astype(np.int64)
    check_plausible(ts_ms, label, column)
    return ts_ms, []


def _bad_stamp(label: str, column: str, text: str, row: int) -> DataError:
    return DataError(f"{label}: timestamp {text!r} in column {column!r} at data row {row} is "
                     "neither an ISO date/time nor an epoch number")


def check_plausible(ts_ms: np.ndarray, label: str, column: str) -> None:
    """Refuse stamps outside 1990..2100: they mean a wrong unit or a wrong column."""
    outside = np.flatnonzero((ts_ms < EARLIEST_MS) | (ts_ms >= LATEST_MS))
    if outside.size:
        row = int(outside[0])
        raise DataError(f"{label}: timestamp at data row {row + 1} of column {column!r} falls "
                        f"outside 1990-2100 ({int(ts_ms[row])} ms) even after unit detection")
