"""Where history comes from: a per-venue source behind one small interface.

A source is any venue adapter (the Venue protocol already has candles, funding and open
interest) plus a few facts about its history: whether it serves funding and open-interest
history, and how many rows one request returns. A venue plugs in by registering a factory
here (``register``); the downloader never asks which venue it has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plutarc.errors import UsageError


@dataclass(frozen=True)
class SourceFacts:
    """What one venue's history looks like to the downloader."""

    funding_history: bool = True
    oi_history: bool = False
    rows_per_request: int = 1000
    oi_interval: str = "1h"  # spacing of open-interest history rows, where served
    oi_retention_ms: int = 0  # how far back the venue keeps OI history (0 = no limit known)
    # why a series is not downloaded, for the report ("kraken: no open-interest history from
    # the venue"); "" = the generic "not downloaded" line
    funding_missing: str = ""
    oi_missing: str = ""
    archive: Any = None  # a bulk candle archive read before REST (archive.VisionArchive)


@dataclass
class HistorySource:
    """A venue adapter (``candles``, ``funding_rates``, ``open_interest``, ``instrument``,
    ``close``) and its facts."""

    venue: str
    adapter: Any
    facts: SourceFacts

    async def close(self) -> None:
        await self.adapter.close()


SourceFactory = Callable[[str | None], HistorySource]
_FACTORIES: dict[str, SourceFactory] = {}


def register(venue: str, factory: SourceFactory) -> None:
    """Make ``venue`` downloadable: ``factory(rest_url_or_None)`` builds its source."""
    _FACTORIES[venue] = factory


def open_source(venue: str, url: str | None) -> HistorySource:
    _builtin()
    factory = _FACTORIES.get(venue)
    if factory is None:
        raise UsageError(f"--venue {venue}: history can be downloaded from "
                         f"{', '.join(sorted(_FACTORIES))} for now")
    return factory(url)


def venues() -> list[str]:
    _builtin()
    return sorted(_FACTORIES)


def _bitmex(url: str | None) -> HistorySource:
    from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig

    adapter = BitmexAdapter(BitmexConfig(rest_url=url) if url else BitmexConfig())
    # BitMEX serves funding history; open interest only as the current value
    return HistorySource("bitmex", adapter, SourceFacts(funding_history=True, oi_history=False,
                                                        rows_per_request=1000))


def _builtin() -> None:
    if "bitmex" not in _FACTORIES:
        register("bitmex", _bitmex)
        from functools import partial

        from plutarc.exchanges.ccxt.venues import SERVED
        from plutarc.marketdata.ccxt_source import ccxt_source

        for name in SERVED:  # every ccxt venue bots may trade; its profile says the rest
            register(name, partial(ccxt_source, name))
