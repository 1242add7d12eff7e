"""Candle history through ccxt: pages, chronological order, closed bars only, synthesis.

ccxt normalises OHLCV rows to ``[open_ms, o, h, l, c, v]``; some venues still hand pages
newest first, so every page is sorted and de-duplicated here. A bar whose close is later
than the venue's now is still forming and is dropped. Intervals the venue lacks (its
``Capabilities.native_intervals``) are grouped from the largest native interval dividing
them; an incomplete trailing group is dropped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from plutarc.errors import UsageError
from plutarc.exchanges.ccxt import parse
from plutarc.intervals import interval_ms
from plutarc.models import Candle
from plutarc.strategy.series import Bars, resample

FetchPage = Callable[[str, int, int], Awaitable[list[list[Any]]]]  # (tf, since_ms, limit)


def source_interval(interval: str, native: Sequence[str]) -> str:
    """The native interval ``interval`` is read or built from (a clear error if none)."""
    if interval in native:
        return interval
    step = interval_ms(interval)
    fits = [n for n in native if step % interval_ms(n) == 0 and interval_ms(n) < step]
    if not fits:
        raise UsageError(f"no {interval!r} candles: the venue has {', '.join(native)}")
    return max(fits, key=interval_ms)


async def fetch_native(fetch: FetchPage, tf: str, start_ms: int, end_ms: int, now_ms: int,
                       limit: int) -> list[Candle]:
    """Closed ``tf`` candles opening in [start_ms, end_ms), oldest first, paged forward."""
    step = interval_ms(tf)
    cursor = start_ms - start_ms % step
    out: list[Candle] = []
    while cursor < end_ms:
        rows = sorted(await fetch(tf, cursor, limit), key=lambda r: int(r[0]))
        newest = cursor - step
        for row in rows:
            ts = int(row[0])
            newest = max(newest, ts)
            if start_ms <= ts < end_ms and ts + step <= now_ms and (
                    not out or ts > out[-1].ts_ms):
                out.append(parse.candle(row, step))
        if not rows or newest + step <= cursor:
            break  # nothing newer: the venue has no more
        cursor = newest + step
        if len(rows) < limit and cursor + step > now_ms:
            break
    return out


async def fetch_candles(fetch: FetchPage, interval: str, native: Sequence[str], start_ms: int,
                        end_ms: int, now_ms: int, limit: int) -> list[Candle]:
    if end_ms <= start_ms:
        return []
    source = source_interval(interval, native)
    if source == interval:
        return await fetch_native(fetch, interval, start_ms, end_ms, now_ms, limit)
    step = interval_ms(interval)
    lower = await fetch_native(fetch, source, start_ms - start_ms % step, end_ms, now_ms, limit)
    return synthesise(lower, interval_ms(source), step, start_ms, end_ms)


def synthesise(lower: list[Candle], lower_ms: int, step: int, start_ms: int,
               end_ms: int) -> list[Candle]:
    if not lower:
        return []
    grouped = resample(Bars.from_candles(lower, lower_ms), step,
                       data_end_ms=lower[-1].close_ts_ms)
    return [grouped.candle(i) for i in range(len(grouped))
            if start_ms <= int(grouped.ts_ms[i]) < end_ms]
