"""History from any ccxt venue: candles, funding and open interest, paged oldest-first.

The downloader (``download.py``) asks a source for one chunk at a time; this wraps the
generic ``CcxtVenue`` and turns a chunk into as many requests as the venue's page sizes
need. Everything venue-specific is data in its ``CcxtProfile``: rows per page
(``candle_limit``, ``funding_page``, ``oi_page``), the param that bounds a page's end
(``history_until``, ``oi_until`` where OI pages apart) and our own pacing between
requests (``history_pace_s``), on top of ccxt's ``enableRateLimit``.

Funding and open-interest pages are cut into time windows sized to hold one page. Some
venues hand a window's newest rows first and some its oldest, so a window that comes back
full is split around the rows it returned and both sides are asked again: whichever end
the venue keeps, nothing in the window is skipped.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from plutarc.exchanges.base import FundingRate, OpenInterest
from plutarc.exchanges.ccxt.adapter import CcxtVenue
from plutarc.intervals import interval_ms
from plutarc.marketdata.archive import VisionArchive, archive_url_for
from plutarc.marketdata.sources import HistorySource, SourceFacts
from plutarc.models import Candle, Instrument

FUNDING_SPACING_MS = 8 * 3_600_000  # window sizing only: denser funding splits the window


class CcxtHistory:
    """The slice of the ``Venue`` interface the downloader uses, paged and paced."""

    def __init__(self, venue: CcxtVenue) -> None:
        self.venue = venue
        self.profile = venue.profile
        self._last_request = 0.0

    async def _pace(self) -> None:
        gap = self.profile.history_pace_s - (time.monotonic() - self._last_request)
        if gap > 0:
            await asyncio.sleep(gap)
        self._last_request = time.monotonic()

    async def instrument(self, symbol: str) -> Instrument:
        return await self.venue.instrument(symbol)

    async def candles(self, symbol: str, interval: str, start_ms: int,
                      end_ms: int) -> list[Candle]:
        # a chunk is one page of bars (the downloader sizes it from candle_limit)
        await self._pace()
        return await self.venue.candles(symbol, interval, start_ms, end_ms)

    async def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list[FundingRate]:
        rows = await self._paged("fetch_funding_rate_history", symbol, start_ms, end_ms,
                                 self.profile.funding_page, FUNDING_SPACING_MS,
                                 self.profile.history_until)
        key = self.profile.funding_info_key  # the raw field, where ccxt's rate is another's
        return [FundingRate(symbol, ts, float(r["info"][key] if key else r["fundingRate"]))
                for ts, r in rows]

    async def open_interest(self, symbol: str, start_ms: int,
                            end_ms: int) -> list[OpenInterest]:
        tf = self.profile.oi_timeframe
        rows = await self._paged("fetch_open_interest_history", symbol, start_ms, end_ms,
                                 self.profile.oi_page, interval_ms(tf),
                                 self.profile.oi_until or self.profile.history_until, tf)
        # the value in quote currency where the venue gives it, else the amount (Bybit
        # linear: base units); momentum and guards read changes, not the unit
        return [OpenInterest(symbol, ts, float(r.get("openInterestValue")
                                               or r.get("openInterestAmount") or 0.0))
                for ts, r in rows]

    async def _paged(self, method: str, symbol: str, start_ms: int, end_ms: int, page: int,
                     spacing_ms: int, until: tuple[str, int], *lead: Any
                     ) -> list[tuple[int, dict[str, Any]]]:
        """Every row stamped in [start_ms, end_ms), ascending, one page per window; ``until``
        is the series' (param, offset) bounding a page's end."""
        if page <= 0 or end_ms <= start_ms:
            return []
        unified = await self.venue.unified(symbol)
        param, offset = until
        span = page * spacing_ms
        windows = [(a, min(end_ms, a + span)) for a in range(start_ms, end_ms, span)]
        found: dict[int, dict[str, Any]] = {}
        while windows:
            lo, hi = windows.pop(0)  # oldest first
            await self._pace()
            bound = {param: hi + offset} if param else {}  # "": the venue takes no end bound
            got = await self.venue.call(method, unified, *lead, lo, page, bound)
            inside = sorted((int(r["timestamp"]), r) for r in got
                            if r.get("timestamp") is not None and lo <= int(r["timestamp"]) < hi)
            for ts, row in inside:
                found[ts] = row
            if len(got) >= page and inside:  # full: rows may remain on either side
                first, last = inside[0][0], inside[-1][0]
                windows[:0] = [w for w in ((lo, first), (last + 1, hi)) if w[0] < w[1]]
        return sorted(found.items())

    async def close(self) -> None:
        await self.venue.close()


def _missing(name: str, series: str, served: object) -> str:
    """Why a series with no page size is not downloaded: the venue (through ccxt) serves no
    such history, or it does and plutarc has not been set up to page it yet."""
    if not served:
        return f"{name}: no {series} history from the venue"
    return f"{name}: {series} history is served but not downloaded by plutarc yet"


def ccxt_source(name: str, url: str | None) -> HistorySource:
    """The history source of the ccxt venue ``name`` (public data only, no key)."""
    from plutarc.exchanges.ccxt.venues import profile

    prof = profile(name)
    venue = CcxtVenue(prof, base_url=url, timeout_s=20.0)
    archive_url = archive_url_for(name, prof.archive_url, url)
    has = venue.exchange.has  # what ccxt can fetch from this venue at all
    return HistorySource(name, CcxtHistory(venue), SourceFacts(
        funding_history=prof.funding_page > 0, oi_history=prof.oi_page > 0,
        funding_missing=_missing(name, "funding", has.get("fetchFundingRateHistory")),
        oi_missing=_missing(name, "open-interest", has.get("fetchOpenInterestHistory")),
        rows_per_request=prof.candle_limit, oi_interval=prof.oi_timeframe,
        oi_retention_ms=prof.oi_retention * interval_ms(prof.oi_timeframe),
        archive=VisionArchive(archive_url) if archive_url else None))
