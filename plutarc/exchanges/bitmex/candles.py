"""Candles from /trade/bucketed: native 1m/5m/1h/1d, the rest synthesised from a lower one.

BitMEX stamps a bin with its END; our candles carry the OPEN time. We always ask for
``partial=false`` and never count a bin whose end is later than now, so an in-progress bin
is never taken for a closed one. 3m/15m/30m/2h/4h are grouped from the largest native
interval that divides them with plutarc.strategy.series.resample (a group is emitted only
once its last lower bar has closed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from plutarc.errors import UsageError
from plutarc.exchanges.bitmex.capabilities import NATIVE_INTERVALS, SYNTHESISED_FROM
from plutarc.exchanges.bitmex.parse_market import candle_from_bin
from plutarc.exchanges.bitmex.schemas import WireTradeBin
from plutarc.exchanges.bitmex.timestamps import iso_to_ms, ms_to_iso
from plutarc.intervals import interval_ms
from plutarc.models import Candle
from plutarc.strategy.series import Bars, resample

Fetch = Callable[..., Awaitable[Any]]


def native_interval(interval: str) -> str:
    """The native bin size a candle interval is read or built from."""
    if interval in NATIVE_INTERVALS:
        return interval
    try:
        return SYNTHESISED_FROM[interval]
    except KeyError:
        known = ", ".join((*NATIVE_INTERVALS, *SYNTHESISED_FROM))
        raise UsageError(f"BitMEX has no {interval!r} candles; known: {known}") from None


def _floor(ts: int, step: int) -> int:
    return ts - ts % step


def _ceil(ts: int, step: int) -> int:
    return -(-ts // step) * step


async def fetch_native(
    get: Fetch,
    venue_symbol: str,
    bin_size: str,
    start_ms: int,
    end_ms: int,
    now_ms: int,
    page_size: int,
) -> list[Candle]:
    """Closed native candles with open time in [start_ms, end_ms), oldest first.

    ``get(path, params)`` performs GET /trade/bucketed; pages advance ``startTime``."""
    step = interval_ms(bin_size)
    first_end = _ceil(start_ms, step) + step
    last_end = min(_floor(end_ms - 1, step) + step, _floor(now_ms, step))
    candles: list[Candle] = []
    cursor = first_end
    while cursor <= last_end:
        rows = await get(
            "/trade/bucketed",
            {
                "binSize": bin_size,
                "symbol": venue_symbol,
                "startTime": ms_to_iso(cursor),
                "endTime": ms_to_iso(last_end),
                "count": page_size,
                "partial": False,
                "reverse": False,
            },
        )
        last_seen = cursor - step
        for row in rows:
            wire = WireTradeBin.of(row)
            bin_end = iso_to_ms(wire.timestamp)
            last_seen = max(last_seen, bin_end)
            if first_end <= bin_end <= last_end and (not candles or
                                                      bin_end > candles[-1].close_ts_ms):
                candles.append(candle_from_bin(wire, step))
        if len(rows) < page_size or last_seen >= last_end:
            break
        cursor = last_seen + step
    return candles


async def fetch_candles(
    get: Fetch,
    venue_symbol: str,
    interval: str,
    start_ms: int,
    end_ms: int,
    now_ms: int,
    page_size: int,
) -> list[Candle]:
    """Closed candles of any supported interval with open time in [start_ms, end_ms)."""
    if end_ms <= start_ms:
        return []
    native = native_interval(interval)
    if native == interval:
        return await fetch_native(get, venue_symbol, native, start_ms, end_ms, now_ms, page_size)
    step = interval_ms(interval)
    lower = await fetch_native(
        get, venue_symbol, native, _floor(start_ms, step), _ceil(end_ms, step), now_ms,
        page_size,
    )
    return synthesise(lower, interval_ms(native), step, start_ms, end_ms)


def synthesise(
    lower: list[Candle], lower_ms: int, step: int, start_ms: int, end_ms: int
) -> list[Candle]:
    """Group closed lower candles into ``step`` candles; an unclosed trailing group is dropped."""
    if not lower:
        return []
    bars = Bars.from_candles(lower, lower_ms)
    grouped = resample(bars, step, data_end_ms=lower[-1].close_ts_ms)
    return [
        grouped.candle(i)
        for i in range(len(grouped))
        if start_ms <= int(grouped.ts_ms[i]) < end_ms
    ]


class CandleSynth:
    """Streaming grouping of closed native bins into one synthesised interval."""

    def __init__(self, lower_ms: int, step_ms: int) -> None:
        if step_ms % lower_ms:
            raise UsageError(f"{step_ms} ms candles cannot be built from {lower_ms} ms bins")
        self._lower_ms = lower_ms
        self._step = step_ms
        self._buffer: list[Candle] = []
        self._done_until_ms = -1  # bins opening before this belong to emitted groups

    def push(self, candle: Candle) -> list[Candle]:
        """Closed synthesised candles completed by this native bin (usually none or one)."""
        closed: list[Candle] = []
        if candle.ts_ms < self._done_until_ms:
            return closed  # a duplicate or late bin of a group already emitted
        group = candle.ts_ms // self._step
        if self._buffer and self._buffer[-1].ts_ms // self._step != group:
            # a bin of a later group proves the earlier one is over, even with a gap
            closed += self._flush(self._buffer[-1].ts_ms // self._step * self._step + self._step)
        if self._buffer and candle.ts_ms <= self._buffer[-1].ts_ms:
            return closed  # a duplicate or late bin
        self._buffer.append(candle)
        if candle.close_ts_ms % self._step == 0:
            closed += self._flush(candle.close_ts_ms)
        return closed

    def _flush(self, group_end_ms: int) -> list[Candle]:
        bars = Bars.from_candles(self._buffer, self._lower_ms)
        self._buffer = []
        self._done_until_ms = group_end_ms
        grouped = resample(bars, self._step, data_end_ms=group_end_ms)
        return [grouped.candle(i) for i in range(len(grouped))]
