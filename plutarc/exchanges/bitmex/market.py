"""The BitMEX adapter's market-data part over REST: candles, funding, open interest.

Candles come from /trade/bucketed (intervals BitMEX lacks are grouped from a finer one);
funding history from /funding; the running and next funding rate and the open interest
from the instrument row as BitMEX has it now (it keeps no open-interest history).
"""

from __future__ import annotations

from plutarc.clock import Clock
from plutarc.errors import UsageError
from plutarc.exchanges.base import FundingRate, OpenInterest
from plutarc.exchanges.bitmex.candles import fetch_candles
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.core import BitmexRest
from plutarc.exchanges.bitmex.instruments import InstrumentBook
from plutarc.exchanges.bitmex.parse_market import (
    funding_from_wire,
    funding_pair,
    open_interest_from_wire,
)
from plutarc.exchanges.bitmex.schemas import WireFunding
from plutarc.exchanges.bitmex.timestamps import iso_to_ms, ms_to_iso
from plutarc.models import Candle


class BitmexMarket:
    def __init__(self, rest: BitmexRest, book: InstrumentBook, config: BitmexConfig,
                 clock: Clock) -> None:
        self.rest = rest
        self.book = book
        self.config = config
        self._clock = clock  # the venue's: "now" for the bin still open

    async def candles(self, symbol: str, interval: str, start_ms: int, end_ms: int
                      ) -> list[Candle]:
        inst = await self.rest.instrument(self.book, symbol)
        return await fetch_candles(
            self.rest.get, inst.venue_symbol, interval, start_ms, end_ms,
            self._clock.now_ms(), self.config.bucket_page_size,
        )

    async def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list[FundingRate]:
        inst = await self.rest.instrument(self.book, symbol)
        params = {"symbol": inst.venue_symbol, "startTime": ms_to_iso(start_ms),
                  "endTime": ms_to_iso(end_ms - 1), "reverse": False}
        rows = await self.rest.pages("/funding", params, signed=False)
        rates = [funding_from_wire(WireFunding.of(r), inst.symbol) for r in rows]
        return [r for r in rates if start_ms <= r.ts_ms < end_ms]

    async def current_funding(self, symbol: str) -> tuple[FundingRate, FundingRate]:
        """(rate of the running period, stamped at its payment time; indicative next rate)."""
        wire = await self.book.fresh_row(symbol)
        if wire.fundingRate is None or wire.fundingTimestamp is None:
            raise UsageError(f"BitMEX {symbol} pays no funding")
        return funding_pair(wire, self.book.symbol_of(wire.symbol))

    async def open_interest(self, symbol: str, start_ms: int, end_ms: int
                            ) -> list[OpenInterest]:
        """BitMEX keeps no open-interest history: the current value, stamped with the venue's
        time, when that time is in [start_ms, end_ms] (give or take a minute)."""
        wire = await self.book.fresh_row(symbol)
        venue_now = iso_to_ms(wire.timestamp) if wire.timestamp else self._clock.now_ms()
        if start_ms > venue_now:
            return []
        if end_ms < venue_now - 60_000:
            raise UsageError("BitMEX serves only the current open interest, not history")
        return [open_interest_from_wire(wire, self.book.symbol_of(wire.symbol), venue_now)]

    async def best_bid_ask(self, symbol: str) -> tuple[float, float] | None:
        """(best bid, best ask) from the instrument row as BitMEX has it now; None when the
        row carries no two-sided quote."""
        inst = await self.rest.instrument(self.book, symbol)
        rows = await self.rest.get("/instrument", {"symbol": inst.venue_symbol})
        bid = rows[0].get("bidPrice") if rows else None
        ask = rows[0].get("askPrice") if rows else None
        if not isinstance(bid, int | float) or not isinstance(ask, int | float) or not (
                0 < bid <= ask):
            return None
        return float(bid), float(ask)
