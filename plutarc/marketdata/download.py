"""Download history into the market-data store: resumable, idempotent, rate-limit aware.

Work goes in chunks (a day of candles, a month of funding). Each chunk is fetched, merged
into its month file atomically, and only then is the month's resume point moved past it:
a download killed at any instant resumes at the first chunk not recorded, and a chunk
fetched twice merges to the same rows. Requests are paced by the adapter (BitMEX reads its
rate-limit headers); a chunk that still fails with a temporary venue error is retried with
backoff. The report at the end lists the gaps left in the requested range. A venue with
a bulk archive (Binance Vision) fills closed months and days from it first; the REST pass
then resumes where the archive stopped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from plutarc.backtest.data.gaps import Gap, find_gaps
from plutarc.errors import TemporaryError, UsageError
from plutarc.intervals import interval_ms
from plutarc.marketdata.sources import HistorySource
from plutarc.marketdata.store import MarketStore, month_bounds, month_of

DAY_MS = 86_400_000
RETRIES = 5
BACKOFF_S = 1.0

Progress = Callable[[str, int, int, int], None]  # series, done ms, total ms, rows stored


@dataclass
class SeriesReport:
    series: str
    rows_stored: int = 0  # rows merged this run (re-fetched rows count again)
    skipped_ms: int = 0  # time already covered before this run (resumed past)
    gaps: list[Gap] = field(default_factory=list)
    note: str = ""


@dataclass
class DownloadReport:
    venue: str
    symbol: str
    start_ms: int
    end_ms: int
    series: list[SeriesReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_stored(self) -> int:
        return sum(s.rows_stored for s in self.series)


def chunks(start_ms: int, end_ms: int, size_ms: int) -> list[tuple[int, int]]:
    """[start, end) cut at chunk and month edges, so each chunk lies in one month."""
    out, t = [], start_ms
    while t < end_ms:
        edge = min(end_ms, (t // size_ms + 1) * size_ms, month_bounds(month_of(t))[1])
        out.append((t, edge))
        t = edge
    return out


async def _retrying(call):  # noqa: ANN001, ANN202 - an awaitable factory and its result
    delay = BACKOFF_S
    for attempt in range(RETRIES):
        try:
            return await call()
        except TemporaryError:
            if attempt == RETRIES - 1:
                raise
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


async def _fetch_rows(source: HistorySource, symbol: str, series: str, a: int, b: int
                      ) -> dict[str, np.ndarray]:
    if series == "funding":
        got = await _retrying(lambda: source.adapter.funding_rates(symbol, a, b))
        return {"timestamp": np.array([r.ts_ms for r in got], np.int64),
                "funding_rate": np.array([r.rate for r in got], np.float64)}
    if series == "oi":
        got = await _retrying(lambda: source.adapter.open_interest(symbol, a, b))
        return {"timestamp": np.array([r.ts_ms for r in got], np.int64),
                "sum_open_interest_value": np.array([r.value for r in got], np.float64)}
    got = await _retrying(lambda: source.adapter.candles(symbol, series, a, b))
    cols = ("open", "high", "low", "close", "volume")
    rows = {"timestamp": np.array([c.ts_ms for c in got], np.int64)}
    rows.update({n: np.array([getattr(c, n) for c in got], np.float64) for n in cols})
    return rows


async def download_series(store: MarketStore, source: HistorySource, symbol: str,
                          series: str, start_ms: int, end_ms: int, chunk_ms: int,
                          progress: Progress | None = None, known_end: int | None = None
                          ) -> SeriesReport:
    """Fetch what the store lacks of [start_ms, end_ms) for one series. A candle chunk the
    venue has not closed yet is recorded only as far as its last bar (a later run fetches the
    rest); funding and open interest only as far as ``known_end`` (where candles end)."""
    report = SeriesReport(series)
    candles = series not in ("funding", "oi")
    step = interval_ms(series) if candles else 0
    venue = source.venue
    total = end_ms - start_ms
    for a, b in chunks(start_ms, end_ms, chunk_ms):
        month = month_of(a)
        done = store.fetched_to(venue, symbol, series, month)
        if done is not None and done >= b:
            report.skipped_ms += b - a
        else:
            a2 = a if done is None or done <= a else done  # resume inside the chunk
            rows = await _fetch_rows(source, symbol, series, a2, b)
            ts = rows["timestamp"]
            if candles:
                reached = int(ts[-1]) + step if ts.size else a2
                fetched = b if reached >= b else reached
            else:
                fetched = min(b, known_end if known_end is not None else b)
            store.merge(venue, symbol, series, month, rows, fetched)
            report.rows_stored += len(rows["timestamp"])
        if progress:
            progress(series, b - start_ms, total, report.rows_stored)
    if candles:
        ts = store.read(venue, symbol, series, start_ms, end_ms)["timestamp"]
        edges = np.concatenate([[start_ms - step], ts, [end_ms]]).astype(np.int64)
        report.gaps = find_gaps(edges, step)
    return report


def _retention_note(source: HistorySource, start_ms: int) -> str:
    """Say so when the range starts before the venue's open-interest horizon: it serves no
    older rows, so a gap there is the venue's, not a failed request."""
    keep = source.facts.oi_retention_ms
    horizon = int(time.time() * 1000) - keep
    if not keep or start_ms >= horizon:
        return ""
    day = time.strftime("%Y-%m-%d %H:%M", time.gmtime(horizon / 1000))
    return (f"{source.venue} keeps open interest for its last {keep // DAY_MS} days only: "
            f"none before ~{day} UTC is served")


async def download(store: MarketStore, source: HistorySource, symbol: str, interval: str,
                   start_ms: int, end_ms: int, *, funding: bool = True, oi: bool = True,
                   progress: Progress | None = None) -> DownloadReport:
    """Candles at ``interval``, funding and open interest (where the venue keeps their
    history) for [start_ms, end_ms), plus the contract spec."""
    if end_ms <= start_ms:
        raise UsageError("--to must be after --from")
    step = interval_ms(interval)
    if start_ms % step or end_ms % step:
        raise UsageError(f"--from and --to must fall on {interval} bar edges")
    began = time.perf_counter()
    report = DownloadReport(source.venue, symbol, start_ms, end_ms)
    inst = await _retrying(lambda: source.adapter.instrument(symbol))
    store.save_instrument(source.venue, inst)
    archived = None
    if source.facts.archive is not None:  # closed months and days in bulk, REST for the rest
        got = await source.facts.archive.fill(store, source.venue, inst.symbol, interval,
                                              start_ms, end_ms, progress=progress)
        archived = SeriesReport(f"{interval} archive", rows_stored=got.rows,
                                note="; ".join(got.notes))
    # one request's worth of bars per chunk: no half-empty pages, a resume loses at most one
    per_chunk = step * source.facts.rows_per_request
    bars = await download_series(store, source, inst.symbol, interval, start_ms, end_ms,
                                 per_chunk, progress)
    report.series.append(bars)
    # funding and OI are taken as complete only as far as the venue had closed candles
    stored = store.read(source.venue, inst.symbol, interval, start_ms, end_ms)["timestamp"]
    known_end = int(stored[-1]) + step if stored.size else start_ms
    if funding:
        if source.facts.funding_history:
            report.series.append(await download_series(
                store, source, inst.symbol, "funding", start_ms, end_ms, 31 * DAY_MS,
                progress, known_end))
        else:
            report.series.append(SeriesReport("funding", note=source.facts.funding_missing or (
                f"no funding history is downloaded from {source.venue}")))
    if oi:
        if source.facts.oi_history:
            got = await download_series(store, source, inst.symbol, "oi", start_ms, end_ms,
                                        31 * DAY_MS, progress, known_end)
            got.note = _retention_note(source, start_ms)
            report.series.append(got)
        else:
            report.series.append(SeriesReport("oi", note=source.facts.oi_missing or (
                f"no open-interest history is downloaded from {source.venue}")))
    if archived is not None:
        report.series.append(archived)
    report.seconds = time.perf_counter() - began
    return report
