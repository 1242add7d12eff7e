"""The native BitMEX venue: plutarc's Venue interface over BitMEX REST and websockets.

Symbols are ours (XBT is BTC; ``Instrument.venue_symbol`` keeps XBTUSD). ``start()`` loads
instruments, opens the private stream and arms the dead man's switch; ``close()`` disarms it
and closes everything. Trading and account operations live in trading.py and account.py;
this module adds the lifecycle, market data and the streams.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from plutarc.errors import UsageError
from plutarc.exchanges.base import FundingRate, OpenInterest
from plutarc.exchanges.bitmex.account import AccountMixin
from plutarc.exchanges.bitmex.candles import CandleSynth, fetch_candles, native_interval
from plutarc.exchanges.bitmex.core import AdapterState
from plutarc.exchanges.bitmex.parse_market import (
    QuoteTick,
    funding_from_wire,
    funding_pair,
    open_interest_from_wire,
)
from plutarc.exchanges.bitmex.rowcheck import RowAlert
from plutarc.exchanges.bitmex.schemas import WireFunding, WireInstrument
from plutarc.exchanges.bitmex.timestamps import iso_to_ms, ms_to_iso
from plutarc.exchanges.bitmex.trading import TradingMixin
from plutarc.intervals import interval_ms
from plutarc.models import Balance, Candle, Fill, Order, Position

__all__ = ["AdapterState", "BitmexAdapter"]


class BitmexAdapter(TradingMixin, AccountMixin):
    """BitMEX (live or testnet) behind plutarc's Venue protocol."""

    # lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Load instruments; with credentials open the private stream and arm the switch."""
        self._check_open()
        await self.book.load()
        self.instrument_refresher.start()  # tick, lot and fees change under running orders
        if self._credentials is not None:
            await self.sync_clock()  # before anything is signed for the streams
            self.keep_clock_synced()
            self.live.ensure_private()
            if self.config.dead_man_switch:
                await self.dead_mans_switch.start()
        self.state = AdapterState.RUNNING

    async def wait_streams_live(self, timeout_s: float = 10.0) -> None:
        await self.live.wait_live(timeout_s)

    async def close(self) -> None:
        if self.state is AdapterState.CLOSED:
            return
        try:
            await self.instrument_refresher.stop()
            await self.stop_clock_sync()
            if self.dead_mans_switch.running:
                await self.dead_mans_switch.stop(disarm=True)
            await self.live.close()
            for broadcast in (self.feed.fills, self.feed.order_updates,
                              self.feed.position_updates, self.feed.balance_updates,
                              self.feed.quote_updates, *self.feed.candles.values()):
                broadcast.close()
        finally:
            await self.http.close()
            self.state = AdapterState.CLOSED

    # market data ----------------------------------------------------------------------
    async def candles(self, symbol: str, interval: str, start_ms: int, end_ms: int
                      ) -> list[Candle]:
        inst = await self.instrument(symbol)
        return await fetch_candles(
            self.rest_get, inst.venue_symbol, interval, start_ms, end_ms,
            self._clock.now_ms(), self.config.bucket_page_size,
        )

    async def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list[FundingRate]:
        inst = await self.instrument(symbol)
        params = {"symbol": inst.venue_symbol, "startTime": ms_to_iso(start_ms),
                  "endTime": ms_to_iso(end_ms - 1), "reverse": False}
        rows = await self._pages("/funding", params, signed=False)
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

    # streams -----------------------------------------------------------------------------
    def stream_fills(self) -> AsyncIterator[Fill]:
        self._check_open()
        self.live.ensure_private()
        return self.feed.fills.subscribe()

    def stream_orders(self) -> AsyncIterator[Order]:
        self._check_open()
        self.live.ensure_private()
        return self.feed.order_updates.subscribe()

    def stream_positions(self) -> AsyncIterator[Position]:
        self._check_open()
        self.live.ensure_private()
        return self.feed.position_updates.subscribe()

    def stream_balances(self) -> AsyncIterator[Balance]:
        self._check_open()
        self.live.ensure_private()
        return self.feed.balance_updates.subscribe()

    def stream_alerts(self) -> AsyncIterator[RowAlert]:
        """Our own orders whose rows carried a value we cannot read (one alert per row)."""
        self._check_open()
        return self.feed.triage.alerts.subscribe()

    async def stream_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        """Closed candles only; synthesised intervals are emitted once their group closed."""
        inst = await self.instrument(symbol)
        native = native_interval(interval)
        source = self.feed.broadcast_for(inst.venue_symbol, native).subscribe()
        await self.live.subscribe_public([f"tradeBin{native}:{inst.venue_symbol}"])
        synth = None if native == interval else CandleSynth(interval_ms(native),
                                                           interval_ms(interval))
        async for candle in source:
            if synth is None:
                yield candle
            else:
                for grouped in synth.push(candle):
                    yield grouped

    async def watch_market(self, symbol: str) -> None:
        """Subscribe the instrument (mark, funding, open interest) and quote topics."""
        inst = await self.instrument(symbol)
        await self.live.subscribe_public([f"instrument:{inst.venue_symbol}",
                                          f"quote:{inst.venue_symbol}"])

    def last_quote(self, symbol: str) -> QuoteTick | None:
        inst = self.feed.by_symbol.get(symbol)
        return self.feed.quotes.get(inst.venue_symbol if inst else symbol)

    def ticker(self, symbol: str) -> WireInstrument | None:
        """The live instrument row (mark price, funding, open interest) from the websocket."""
        inst = self.feed.by_symbol.get(symbol)
        table = self.live.table_rows("instrument")
        row = table.get(((inst.venue_symbol if inst else symbol),))
        return WireInstrument.of(row) if row is not None else None
