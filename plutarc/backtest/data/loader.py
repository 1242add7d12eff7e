"""``load_candles``: a candle file as Bars for a backtest or a replay, with warm-up and gaps."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from plutarc.backtest.data.cache import default_cache_dir
from plutarc.backtest.data.gaps import Gap, interval_label, scan
from plutarc.backtest.data.source import RawCandles, read_candle_file
from plutarc.backtest.data.timestamps import fmt_utc, parse_time_arg
from plutarc.errors import DataError, UsageError
from plutarc.intervals import interval_ms
from plutarc.models.ohlc import widen_arrays
from plutarc.strategy.series import Bars, resample

_FINGERPRINT_TAG = b"plutarc-bars-v1\0"


@dataclass(frozen=True)
class LoadedCandles:
    """Bars as loaded, and everything needed to say exactly which data a run saw.

    ``bars[:warmup_start_index]`` are warm-up bars before the requested start; ``first_ms`` and
    ``last_ms`` are the open times of the first and last bar loaded (warm-up included). Gaps are
    measured at ``source_interval`` within the loaded span and are never filled here.
    """

    path: Path
    format: str
    bars: Bars
    source_interval: str
    gaps: list[Gap]
    fingerprint: str
    first_ms: int
    last_ms: int
    warmup_start_index: int
    notes: list[str] = field(default_factory=list)
    cache_status: str = "off"

    @property
    def interval(self) -> str:
        return interval_label(self.bars.interval_ms)

    @property
    def start_ms(self) -> int:
        """Open time of the first bar after the warm-up."""
        return int(self.bars.ts_ms[self.warmup_start_index])

    @property
    def missing_bars(self) -> int:
        return sum(g.missing_bars for g in self.gaps)


def fingerprint(bars: Bars) -> str:
    """sha256 over the interval and the six arrays, byte for byte: the same data, the same
    fingerprint, on any run and any little- or big-endian machine."""
    digest = hashlib.sha256(_FINGERPRINT_TAG)
    digest.update(np.array([bars.interval_ms, len(bars)], dtype="<i8").tobytes())
    digest.update(np.ascontiguousarray(bars.ts_ms, dtype="<i8").data)
    for values in (bars.open, bars.high, bars.low, bars.close, bars.volume):
        digest.update(np.ascontiguousarray(values, dtype="<f8").data)
    return digest.hexdigest()


def load_candles(
    path: str | Path,
    *,
    interval: str | None = None,
    start: str | int | None = None,
    end: str | int | None = None,
    warmup_bars: int = 0,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    raw: RawCandles | None = None,
) -> LoadedCandles:
    """Load a candle file (any supported format) as float64 Bars stamped by open time (ms UTC).

    ``start``/``end`` are ISO dates/datetimes (naive = UTC) or epoch ms; ``end`` is exclusive.
    With ``start``, up to ``warmup_bars`` earlier bars are included (``notes`` says when fewer
    exist). ``interval`` resamples to a higher interval from data before ``end`` only; groups
    cut by the start or end of the data are dropped. ``cache_dir`` defaults to
    ``<data dir>/cache``. ``raw`` is the file as ``read_raw`` returned it, when the caller
    already read it (one read per command, not one per question asked of the file).
    """
    file = Path(path).expanduser()
    if warmup_bars < 0:
        raise UsageError(f"warmup_bars must be 0 or more, not {warmup_bars}")
    start_ms = None if start is None else parse_time_arg(start, "start")
    end_ms = None if end is None else parse_time_arg(end, "end")
    if raw is None:
        raw = read_raw(file, cache_dir=cache_dir, use_cache=use_cache)
    label = file.name
    if start_ms is not None and end_ms is not None and start_ms >= end_ms:
        raise DataError(f"{label}: the range is empty: start {fmt_utc(start_ms)} is not before "
                        f"end {fmt_utc(end_ms)}")
    source_ms, all_gaps = scan(raw.ts_ms, label)
    notes = list(raw.notes)
    source = _bars_before(raw, source_ms, end_ms, label)
    bars = source if interval is None else _resampled(source, interval, source_ms, label, notes)
    first_index = 0 if start_ms is None else int(np.searchsorted(bars.ts_ms, start_ms, "left"))
    if first_index >= len(bars):
        raise DataError(_empty_range(label, raw, bars.interval_ms, start_ms, end_ms))
    keep_from = max(0, first_index - warmup_bars)
    if start_ms is None:
        if warmup_bars:
            notes.append(f"warmup_bars={warmup_bars} not applied: without a start, the data "
                         "begins at its first bar")
    elif first_index - keep_from < warmup_bars:
        notes.append(f"only {first_index - keep_from} warm-up bars exist before "
                     f"{fmt_utc(start_ms)} ({warmup_bars} wanted)")
    bars = bars.slice(keep_from, len(bars))
    first_ms, last_ms = int(bars.ts_ms[0]), int(bars.ts_ms[-1])
    span_end = last_ms + bars.interval_ms
    gaps = [g for g in all_gaps
            if first_ms < g.start_ms and g.end_ms < span_end]
    return LoadedCandles(
        path=file, format=raw.format, bars=bars, source_interval=interval_label(source_ms),
        gaps=gaps, fingerprint=fingerprint(bars), first_ms=first_ms, last_ms=last_ms,
        warmup_start_index=first_index - keep_from, notes=notes, cache_status=raw.cache_status,
    )


def read_raw(path: str | Path, *, cache_dir: str | Path | None = None,
             use_cache: bool = True) -> RawCandles:
    """Every row of the candle file, from the data cache when it holds this version of it."""
    store = None
    if use_cache:
        store = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    return read_candle_file(Path(path).expanduser(), store)


def source_interval_ms(raw: RawCandles, path: str | Path) -> int:
    """The file's bar interval (its most common step), in ms."""
    return scan(raw.ts_ms, Path(path).name)[0]


def _bars_before(raw: RawCandles, source_ms: int, end_ms: int | None, label: str) -> Bars:
    """The file's bars before ``end_ms`` under the one OHLC rule (plutarc.models.ohlc): bad
    prices refused naming the row, high/low widened to bound the venue's own open/close."""
    stop = len(raw.ts_ms) if end_ms is None else int(np.searchsorted(raw.ts_ms, end_ms, "left"))
    o, c, v = raw.open[:stop], raw.close[:stop], raw.volume[:stop]
    high, low = widen_arrays(o, raw.high[:stop], raw.low[:stop], c, v, label,
                             place=row_place(raw.format))
    return Bars(source_ms, raw.ts_ms[:stop], o, high, low, c, v)


def row_place(file_format: str) -> Callable[[int], str]:
    """Where data row ``i`` (0-based, file order) is in the file, as a person looks for it."""
    if file_format.startswith("csv") and "headerless" not in file_format:
        return lambda i: f"line {i + 2}"  # line 1 is the header
    if "csv" in file_format:
        return lambda i: f"line {i + 1}"
    if file_format.startswith("json"):
        return lambda i: f"object {i + 1}"
    return lambda i: f"row {i + 1}"


def _resampled(source: Bars, interval: str, source_ms: int, label: str, notes: list[str]) -> Bars:
    target_ms = interval_ms(interval)
    source_name = interval_label(source_ms)
    if target_ms < source_ms:
        raise DataError(f"{label}: cannot make {interval} bars from {source_name} bars; the "
                        f"requested interval is lower than the file's")
    if target_ms % source_ms:
        raise DataError(f"{label}: cannot make {interval} bars from {source_name} bars; "
                        f"{interval} is not a whole number of {source_name} bars")
    bars = resample(source, target_ms)
    if len(bars) and bars.ts_ms[0] < source.ts_ms[0]:
        # The data starts inside the first group: that bar would lack its true open.
        notes.append(f"dropped the first {interval} bar ({fmt_utc(int(bars.ts_ms[0]))}): the "
                     "data starts part-way through it")
        bars = bars.slice(1, len(bars))
    return bars


def _empty_range(label: str, raw: RawCandles, bar_ms: int, start_ms: int | None,
                 end_ms: int | None) -> str:
    wanted = " ".join(part for part in (
        f"from {fmt_utc(start_ms)}" if start_ms is not None else "",
        f"before {fmt_utc(end_ms)}" if end_ms is not None else "") if part)
    covers = f"the file covers {fmt_utc(int(raw.ts_ms[0]))} to {fmt_utc(int(raw.ts_ms[-1]))}"
    what = f"complete {interval_label(bar_ms)} bars"
    return f"{label}: no {what} {wanted or 'in the file'}; {covers}"
