"""Bulk candle archives (Binance Vision): the fast path for long history, before REST.

Layout (data.binance.vision, the venue profile's ``archive_url`` up to ``.../futures/um``):
``<base>/monthly/klines/<SYM>/<iv>/<SYM>-<iv>-<YYYY-MM>.zip`` for closed months and
``<base>/daily/klines/<SYM>/<iv>/<SYM>-<iv>-<YYYY-MM-DD>.zip`` for closed days, each with a
``.CHECKSUM`` beside it (``<sha256>  <file name>``). A zip holds one CSV of 12 columns:
open_time, open, high, low, close, volume, close_time, quote_volume, count,
taker_buy_volume, taker_buy_quote_volume, ignore. USD-M files from mid-2022 on start with
that header line, older ones have none; times are epoch ms (spot files from 2025 use µs,
which is recognised and converted).

Work goes month by month, oldest first, through the same store and resume points as the
REST path: a month's monthly file, else its days' files in order. A file that is not there
yet (HTTP 404) or fails its checksum ends the archive pass for that month at that point,
stores nothing of that file, and leaves the rest to the REST download that follows, which
resumes exactly where the archive stopped.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from plutarc.errors import DataError
from plutarc.marketdata.store import MarketStore, month_bounds, months_between

DAY_MS = 86_400_000
NAMES = ("open_time", "open", "high", "low", "close", "volume", "close_time",
         "quote_volume", "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore")


@dataclass
class ArchiveReport:
    rows: int = 0
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def archive_url_for(venue: str, profile_url: str, rest_url: str | None) -> str:
    """The archive base: ``PLUTARC_<VENUE>_ARCHIVE_URL`` if set (empty turns it off), else
    the profile's, but not when the REST URL points elsewhere (a local server has no
    archive, and the venue's archive would not be its data)."""
    env = os.environ.get(f"PLUTARC_{venue.upper()}_ARCHIVE_URL")
    if env is not None:
        return env.strip().rstrip("/")
    return "" if rest_url else profile_url


def parse_csv(data: bytes) -> dict[str, np.ndarray]:
    """The candle columns of one archive CSV, with or without its header line."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = data[:1].isalpha()
    try:
        table = pacsv.read_csv(io.BytesIO(data), read_options=pacsv.ReadOptions(
            column_names=list(NAMES), skip_rows=1 if header else 0),
            convert_options=pacsv.ConvertOptions(
                column_types={"open_time": pa.int64()}, include_columns=list(NAMES[:6])))
    except (pa.ArrowInvalid, ValueError) as exc:
        raise DataError(f"archive CSV unreadable: {exc}") from None
    ts = table.column("open_time").to_numpy()
    if ts.size and ts.max() > 10**14:  # microseconds
        ts = ts // 1000
    out = {"timestamp": ts.astype(np.int64)}
    out.update({n: table.column(n).to_numpy().astype(np.float64)
                for n in ("open", "high", "low", "close", "volume")})
    return out


def unzip_checked(blob: bytes, checksum_text: str, name: str) -> bytes:
    """The CSV inside ``blob`` after its sha256 matches the published one."""
    expected = checksum_text.split()[0].lower() if checksum_text.strip() else ""
    actual = hashlib.sha256(blob).hexdigest()
    if expected != actual:
        raise DataError(f"{name}: checksum {actual[:12]}… does not match the published "
                        f"{expected[:12] or 'nothing'}…")
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            members = [m for m in zf.namelist() if m.endswith(".csv")]
            if len(members) != 1:
                raise DataError(f"{name}: expected one CSV inside, found {len(members)}")
            return zf.read(members[0])
    except zipfile.BadZipFile:
        raise DataError(f"{name}: not a zip file") from None


class VisionArchive:
    """Binance Vision's kline archive at ``base_url``."""

    def __init__(self, base_url: str, timeout_s: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def url(self, symbol: str, interval: str, period: str) -> str:
        kind = "monthly" if len(period) == 7 else "daily"
        return (f"{self.base_url}/{kind}/klines/{symbol}/{interval}/"
                f"{symbol}-{interval}-{period}.zip")

    async def _get(self, session, url: str) -> bytes | None:  # noqa: ANN001 - aiohttp session
        async with session.get(url) as resp:
            if resp.status == 404:
                return None
            if resp.status != 200:
                raise DataError(f"{url}: HTTP {resp.status}")
            return await resp.read()

    async def _file(self, session, symbol: str, interval: str, period: str  # noqa: ANN001
                    ) -> dict[str, np.ndarray] | None:
        url = self.url(symbol, interval, period)
        blob = await self._get(session, url)
        if blob is None:
            return None
        checksum = await self._get(session, url + ".CHECKSUM")
        if checksum is None:
            raise DataError(f"{url}: no .CHECKSUM published beside it")
        return parse_csv(unzip_checked(blob, checksum.decode(errors="replace"),
                                       url.rsplit("/", 1)[1]))

    async def fill(self, store: MarketStore, venue: str, symbol: str, interval: str,
                   start_ms: int, end_ms: int, now_ms: int | None = None,
                   progress: Callable[[str, int, int, int], None] | None = None
                   ) -> ArchiveReport:
        """Store what the archive has of [start_ms, end_ms) that the store lacks."""
        import aiohttp

        now = int(time.time() * 1000) if now_ms is None else now_ms
        today = now - now % DAY_MS
        report = ArchiveReport()
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for month in months_between(start_ms, min(end_ms, today)):
                m0, m1 = month_bounds(month)
                want_end = min(end_ms, m1, today)
                done = store.fetched_to(venue, symbol, interval, month)
                if done is not None and done >= want_end:
                    continue
                try:
                    await self._month(session, store, venue, symbol, interval, month,
                                      (max(start_ms, m0), want_end), m1 <= today, report)
                except (DataError, aiohttp.ClientError, TimeoutError) as exc:
                    report.notes.append(f"archive stopped in {month} ({exc}); the rest "
                                        "comes from the REST API")
                if progress:
                    progress(f"{interval} archive", want_end - start_ms, end_ms - start_ms,
                             report.rows)
        return report

    async def _month(self, session, store: MarketStore, venue: str, symbol: str,  # noqa: ANN001
                     interval: str, month: str, want: tuple[int, int], closed: bool,
                     report: ArchiveReport) -> None:
        a, b = want
        if closed:
            rows = await self._file(session, symbol, interval, month)
            if rows is not None:
                self._store(store, venue, symbol, interval, month, rows, a, b, report, month)
                return
        day = a - a % DAY_MS
        while day < b:  # the month's days in order; the first one missing ends the pass
            stamp = datetime.fromtimestamp(day / 1000, tz=UTC).strftime("%Y-%m-%d")
            rows = await self._file(session, symbol, interval, stamp)
            if rows is None:
                return
            self._store(store, venue, symbol, interval, month, rows, max(a, day),
                        min(b, day + DAY_MS), report, stamp)
            day += DAY_MS

    @staticmethod
    def _store(store: MarketStore, venue: str, symbol: str, interval: str, month: str,
               rows: dict[str, np.ndarray], a: int, b: int, report: ArchiveReport,
               period: str) -> None:
        ts = rows["timestamp"]
        sel = (ts >= a) & (ts < b)
        # days go in order from the resume point, so [a, b) joins what is already fetched
        store.merge(venue, symbol, interval, month, {k: v[sel] for k, v in rows.items()}, b)
        report.rows += int(sel.sum())
        report.files.append(period)
