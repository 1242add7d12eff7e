"""A candle file's raw columns: parsed once, then served from the binary cache."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plutarc.backtest.data import cache
from plutarc.backtest.data.formats import open_table, require_file
from plutarc.backtest.data.gaps import check_increasing
from plutarc.backtest.data.layout import candle_layout, finite_values
from plutarc.backtest.data.timestamps import arrow_to_ms
from plutarc.errors import DataError

FIELDS = ("ts_ms", "open", "high", "low", "close", "volume")
_DTYPES = {"ts_ms": "int64", **{name: "float64" for name in FIELDS[1:]}}


@dataclass(frozen=True)
class RawCandles:
    """Every row of a candle file in file order, validated to be strictly increasing."""

    ts_ms: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    format: str
    notes: tuple[str, ...]
    cache_status: str  # hit, absent, stale, corrupt (the last three: parsed and cached), off


def is_cached(path: Path, cache_dir: Path) -> bool:
    """True when ``cache_dir`` holds a fresh entry for ``path`` (reading it parses nothing)."""
    require_file(path)
    lookup = cache.read(cache_dir, cache.Stamp.of(path), "candles", _DTYPES)
    return lookup.arrays is not None and lookup.meta is not None


def read_candle_file(path: Path, cache_dir: Path | None) -> RawCandles:
    """Parse ``path`` (or take it from ``cache_dir``; None disables the cache)."""
    label = require_file(path)
    if cache_dir is None:
        return _parse(path, label, "off")
    stamp = cache.Stamp.of(path)
    lookup = cache.read(cache_dir, stamp, "candles", _DTYPES)
    if lookup.arrays is not None and lookup.meta is not None:
        arrays = lookup.arrays
        return RawCandles(*(arrays[name] for name in FIELDS), format=lookup.meta["format"],
                          notes=tuple(lookup.meta["notes"]), cache_status="hit")
    raw = _parse(path, label, lookup.status)
    try:
        cache.write(cache_dir, stamp, "candles", {n: getattr(raw, n) for n in FIELDS},
                    {"format": raw.format, "notes": list(raw.notes)})
    except OSError as exc:
        note = f"could not write the data cache in {cache_dir} ({exc.strerror or exc})"
        raw = RawCandles(*(getattr(raw, n) for n in FIELDS), format=raw.format,
                         notes=(*raw.notes, note), cache_status=raw.cache_status)
    return raw


def _parse(path: Path, label: str, cache_status: str) -> RawCandles:
    table = open_table(path)
    layout = candle_layout(table.names, label)
    columns = table.columns([layout.timestamp, *layout.prices], floats=set(layout.prices))
    ts_ms, notes = arrow_to_ms(columns[layout.timestamp], label, layout.timestamp)
    if ts_ms.size == 0:
        raise DataError(f"{label}: has no data rows")
    check_increasing(ts_ms, label)
    prices = [finite_values(columns[name], label, name) for name in layout.prices]
    raw = RawCandles(np.ascontiguousarray(ts_ms, dtype=np.int64),
                     *(np.ascontiguousarray(p, dtype=np.float64) for p in prices),
                     format=table.format, notes=tuple(notes), cache_status=cache_status)
    del table, columns, prices
    _release_parser_memory()
    return raw


def _release_parser_memory() -> None:
    """Arrow's pool keeps the parse's freed blocks (~30 MB for a year of 1m) for reuse that a
    backtest never makes: give them back, so a fresh home's run does not peak higher."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
