"""Candles and the contract spec for a backtest, fetched from a venue through its adapter."""

from __future__ import annotations

import asyncio
import csv
import hashlib
from pathlib import Path

from plutarc.backtest.request import VENUES_WITH_CANDLES, to_ms
from plutarc.errors import UsageError
from plutarc.models import Instrument


async def _fetch(venue: str, url: str | None, symbol: str, start_ms: int,
                 end_ms: int) -> tuple[Instrument, list, list]:
    if venue not in VENUES_WITH_CANDLES:
        raise UsageError(f"--venue {venue}: backtest data can come from "
                         f"{', '.join(VENUES_WITH_CANDLES)} for now; download candles and "
                         "pass --data FILE")
    adapter = _adapter(venue, url)
    try:
        inst = await adapter.instrument(symbol)
        candles = await adapter.candles(symbol, "1m", start_ms, end_ms)
        # the rates paid inside the run (one day earlier: a funding time at the first bar)
        funding = await adapter.funding_rates(symbol, start_ms - 86_400_000, end_ms)
    finally:
        await adapter.close()
    return inst, candles, funding


def _adapter(venue: str, url: str | None):  # noqa: ANN202 - BitmexAdapter | CcxtVenue
    """The venue's adapter on its public data (``url``: another base, e.g. a local server)."""
    from plutarc.exchanges.ccxt.venues import PROFILES

    if venue in PROFILES:
        from plutarc.exchanges.ccxt.adapter import CcxtVenue

        return CcxtVenue(PROFILES[venue], base_url=url)
    from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig

    return BitmexAdapter(BitmexConfig(rest_url=url) if url else BitmexConfig())


def from_store(venue: str, symbol: str, start_ms: int, end_ms: int, warmup_ms: int,
               cache_dir: Path) -> tuple[Path, Instrument] | None:
    """The 1m candles of [start_ms - warmup_ms, end_ms) from the local market-data store as
    one Parquet file (the warm-up as far as stored), and the stored contract; None unless the
    store covers [start_ms, end_ms)."""
    from plutarc.marketdata.store import default_store

    store = default_store()
    stored = store.resolve_symbol(venue, symbol)
    if stored is None or not store.covered_to(venue, stored, "1m", start_ms, end_ms):
        return None
    inst = store.instrument(venue, stored)
    if inst is None:
        return None
    first_ms = start_ms - warmup_ms
    path, rows = store.export_once(venue, stored, "1m", first_ms, end_ms, cache_dir,
                                   f"store_{venue}_{stored}_1m_{first_ms}_{end_ms}")
    return None if rows == 0 else (path, inst)


def stored_series(venue: str, symbol: str, series: str, start: str | None, end: str | None,
                  cache_dir: Path) -> Path | None:
    """A stored funding or open-interest series over the run as a Parquet file, if any."""
    from plutarc.marketdata.store import default_store

    store = default_store()
    stored = store.resolve_symbol(venue, symbol)
    if stored is None:
        return None
    start_ms, end_ms = to_ms(start, "from"), to_ms(end, "to")
    # a funding time just before the start still pays inside the first bar
    first_ms = start_ms - 86_400_000
    path, rows = store.export_once(venue, stored, series, first_ms, end_ms, cache_dir,
                                   f"store_{venue}_{stored}_{series}_{first_ms}_{end_ms}")
    return path if rows >= 2 else None


def fetch_venue_candles(
    venue: str, url: str | None, symbol: str, start: str | None, end: str | None,
    warmup_ms: int, cache_dir: Path,
) -> tuple[Path, Instrument]:
    """1m candles from ``start - warmup`` to ``end`` as a file, and the instrument: from the
    local market-data store when it covers the range (``plutarc data download``), else
    fetched from the venue."""
    start_ms, end_ms = to_ms(start, "from"), to_ms(end, "to")
    if end_ms <= start_ms:
        raise UsageError("--to must be after --from")
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    found = from_store(venue, symbol, start_ms, end_ms, warmup_ms, cache_dir)
    if found is not None:
        return found
    inst, candles, funding = asyncio.run(_fetch(venue, url, symbol, start_ms - warmup_ms,
                                                end_ms))
    if not candles:
        raise UsageError(f"{venue} served no {symbol} candles between {start} and {end}")
    key = hashlib.sha256(f"{venue}|{url}|{symbol}|{start_ms}|{end_ms}".encode()).hexdigest()[:16]
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = cache_dir / f"{venue}_{inst.symbol}_1m_{key}.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["timestamp", "open", "high", "low", "close", "volume"])
        for c in candles:
            writer.writerow([c.ts_ms, repr(c.open), repr(c.high), repr(c.low), repr(c.close),
                             repr(c.volume)])
    rates = venue_funding_file(path)
    rates.unlink(missing_ok=True)
    if len(funding) >= 2:
        with rates.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["timestamp", "funding_rate"])
            writer.writerows([r.ts_ms, repr(r.rate)] for r in funding)
    return path, inst


def venue_funding_file(candles: Path) -> Path:
    """Where the funding fetched with venue candles ``candles`` is kept (it may not exist)."""
    return candles.with_name(candles.name.replace("_1m_", "_funding_"))

