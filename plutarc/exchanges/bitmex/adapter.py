"""The native BitMEX venue: plutarc's Venue interface over BitMEX REST and websockets.

Symbols are ours (XBT is BTC; ``Instrument.venue_symbol`` keeps XBTUSD). Placement is never
retried: after a timeout the order is looked up by clOrdID, and OrderStatusUnknown is
raised only when that lookup cannot find it either. ``start()`` opens the private stream
and arms the dead man's switch; ``close()`` disarms it and closes everything.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from enum import StrEnum
from typing import Any

from plutarc.clock import Clock, WallClock
from plutarc.errors import OrderRejected, OrderStatusUnknown, UsageError, VenueError
from plutarc.exchanges.base import FundingRate, OpenInterest
from plutarc.exchanges.bitmex.auth import Credentials
from plutarc.exchanges.bitmex.candles import CandleSynth, fetch_candles, native_interval
from plutarc.exchanges.bitmex.capabilities import bitmex_capabilities
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.deadman import DeadMansSwitch
from plutarc.exchanges.bitmex.errors import DuplicateClientOrderId, RequestOutcomeUnknown
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.http import BitmexHttp
from plutarc.exchanges.bitmex.instruments import InstrumentBook
from plutarc.exchanges.bitmex.latency import LatencyBook
from plutarc.exchanges.bitmex.live import LiveStreams
from plutarc.exchanges.bitmex.orders import amend_body, close_body, order_body
from plutarc.exchanges.bitmex.parse import balance_from_wire, position_from_wire
from plutarc.exchanges.bitmex.parse_market import (
    QuoteTick,
    funding_from_wire,
    open_interest_from_wire,
)
from plutarc.exchanges.bitmex.schemas import (
    WireFunding,
    WireInstrument,
    WireMargin,
    WirePosition,
)
from plutarc.exchanges.bitmex.timestamps import iso_to_ms, ms_to_iso
from plutarc.intervals import interval_ms
from plutarc.models import Balance, Candle, Fill, Instrument, Order, OrderRequest, Position, Side

log = logging.getLogger("plutarc.exchanges.bitmex")


class AdapterState(StrEnum):
    NEW = "new"
    RUNNING = "running"
    CLOSED = "closed"


class BitmexAdapter:
    """BitMEX (live or testnet) behind plutarc's Venue protocol."""

    name = "bitmex"

    def __init__(
        self,
        config: BitmexConfig | None = None,
        credentials: Credentials | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config or BitmexConfig()
        self.capabilities = bitmex_capabilities(self.config.bucket_page_size)
        self._clock = clock or WallClock()
        self._credentials = credentials
        self.http = BitmexHttp(self.config, credentials, self._clock)
        self.latency = LatencyBook(self.config.latency_window)
        self._order_rtt = self.latency.get("rest_order_rtt_ms")
        self.feed = Feed(
            self.config.currencies,
            self.latency,
            fill_exec_types=self.config.fill_exec_types,
            max_rows=self.config.table_max_rows,
        )
        self.book = InstrumentBook(self.config, self.rest_get, self.feed)
        self.live = LiveStreams(self, self.config, self.feed, self._clock, credentials)
        self.dead_mans_switch = DeadMansSwitch(
            self.http, self.config.dead_man_timeout_ms, self.config.dead_man_refresh_s
        )
        self.state = AdapterState.NEW

    def __repr__(self) -> str:
        where = "testnet" if self.config.testnet else self.config.rest_base
        return f"BitmexAdapter({where}, state={self.state}, credentials={self._credentials!r})"

    # lifecycle ---------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self.state is AdapterState.CLOSED:
            raise UsageError("this BitMEX adapter is closed; make a new one")

    async def start(self) -> None:
        """Load instruments; with credentials open the private stream and arm the switch."""
        self._check_open()
        await self.book.load()
        if self._credentials is not None:
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

    # REST helpers ------------------------------------------------------------------------
    async def rest_get(self, path: str, params: dict[str, Any] | None = None,
                       signed: bool = False) -> Any:
        self._check_open()
        return await self.http.request("GET", path, params=params, signed=signed)

    async def _private(self, verb: str, path: str, *, body: dict[str, Any] | None = None,
                       idempotent: bool = False, timeout_s: float | None = None) -> Any:
        self._check_open()
        return await self.http.request(verb, path, body=body, signed=True,
                                       idempotent=idempotent, timeout_s=timeout_s)

    async def _pages(self, path: str, params: dict[str, Any], signed: bool) -> list[dict]:
        """Every row of a table query, ``count`` rows at a time (``start`` offsets)."""
        rows: list[dict] = []
        page = self.config.page_size
        while True:
            batch = await self.rest_get(path, {**params, "count": page, "start": len(rows)},
                                        signed)
            rows.extend(batch)
            if len(batch) < page:
                return rows

    # instruments and market data ---------------------------------------------------------
    async def instruments(self) -> list[Instrument]:
        self._check_open()
        return await self.book.load()

    async def instrument(self, symbol: str) -> Instrument:
        self._check_open()
        return await self.book.get(symbol)

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
        ts = iso_to_ms(wire.fundingTimestamp)
        current = FundingRate(self.book.symbol_of(wire.symbol), ts, float(wire.fundingRate))
        upcoming = float(wire.indicativeFundingRate or wire.fundingRate)
        return current, FundingRate(current.symbol, ts, upcoming)

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

    async def server_time_ms(self) -> int:
        reply = await self.rest_get("")
        try:
            return int(reply["timestamp"])
        except (KeyError, TypeError, ValueError):
            raise VenueError(f"BitMEX server time: unexpected answer {reply!r:.200}") from None

    # orders ------------------------------------------------------------------------------
    def _order(self, row: dict) -> Order:
        order = self.feed.order_from_row(row)
        if order is None:
            raise VenueError(f"BitMEX answered with an order on an unknown symbol: {row!r:.200}")
        return order

    async def place_order(self, request: OrderRequest) -> Order:
        inst = await self.instrument(request.symbol)
        body = order_body(request, inst, self.config.stop_trigger)
        # the first request sent under an id stays the one we remember (ids are never reused)
        self.feed.requests.setdefault(request.client_id, request)
        started = time.perf_counter()
        try:
            row = await self._private("POST", "/order", body=body,
                                      timeout_s=self.config.order_timeout_s)
        except RequestOutcomeUnknown as exc:
            log.warning("order %s: %s; looking it up by clOrdID (never resending)",
                        request.client_id, exc)
            return await self._find_after_doubt(request.client_id)
        except DuplicateClientOrderId:
            return await self._existing_duplicate(request)
        self._order_rtt.record((time.perf_counter() - started) * 1000)
        return self._order(row)

    async def _find_after_doubt(self, client_id: str) -> Order:
        last_error: VenueError | None = None
        for attempt in range(self.config.lookup_attempts):
            if attempt:
                await asyncio.sleep(self.config.lookup_interval_s)
            seen = self.feed.orders.get(client_id)
            if seen is not None:
                return seen
            try:
                found = await self.order_by_client_id(client_id)
            except VenueError as exc:
                last_error = exc
                continue
            if found is not None:
                return found
        why = f"lookup failed: {last_error}" if last_error else "not found by clOrdID"
        raise OrderStatusUnknown(
            f"order {client_id}: placement got no answer and it was {why} after "
            f"{self.config.lookup_attempts} lookups; it was NOT resent",
            client_id,
        )

    async def _existing_duplicate(self, request: OrderRequest) -> Order:
        found = await self.order_by_client_id(request.client_id)
        same = found is not None and found.request.side is request.side and (
            found.request.symbol == request.symbol
        )
        if not same:
            raise OrderRejected(
                f"order {request.client_id}: BitMEX already holds a different order with this "
                "clOrdID"
            )
        return found  # type: ignore[return-value]

    async def close_position(self, client_id: str, symbol: str,
                             price: Decimal | None = None) -> Order | None:
        """Close the whole position with execInst=Close (market unless priced); None if flat."""
        inst = await self.instrument(symbol)
        current = next((p for p in await self.positions() if p.symbol == inst.symbol), None)
        if current is None or current.is_flat:
            return None
        side = Side.SELL if current.qty > 0 else Side.BUY
        body = close_body(client_id, inst, side, price)
        try:
            row = await self._private("POST", "/order", body=body,
                                      timeout_s=self.config.order_timeout_s)
        except RequestOutcomeUnknown:
            return await self._find_after_doubt(client_id)
        return self._order(row)

    async def amend_order(self, client_id: str, *, qty: Decimal | None = None,
                          price: Decimal | None = None, stop_price: Decimal | None = None
                          ) -> Order:
        known = self.feed.requests.get(client_id)
        if known is None:
            found = await self.order_by_client_id(client_id)
            if found is None:
                raise OrderRejected(f"amend of {client_id}: no such order at BitMEX")
            known = found.request
        inst = await self.instrument(known.symbol)
        body = amend_body(client_id, inst, known.side, qty=qty, price=price,
                          stop_price=stop_price)
        return self._order(await self._private("PUT", "/order", body=body))

    async def cancel_order(self, client_id: str) -> Order:
        rows = await self._private("DELETE", "/order", body={"clOrdID": client_id},
                                   idempotent=True)
        if not rows:
            raise OrderRejected(f"cancel of {client_id}: no such order at BitMEX")
        row = rows[0]
        if row.get("error"):
            log.info("cancel of %s: %s", client_id, row["error"])
        return self._order(row)

    async def cancel_all(self, symbol: str | None = None) -> list[Order]:
        body = {"symbol": (await self.instrument(symbol)).venue_symbol} if symbol else None
        rows = await self._private("DELETE", "/order/all", body=body, idempotent=True)
        return [self._order(row) for row in rows]

    async def order_by_client_id(self, client_id: str) -> Order | None:
        await self.book.load()
        rows = await self.rest_get(
            "/order", {"filter": {"clOrdID": client_id}, "reverse": True, "count": 1},
            signed=True,
        )
        return self._order(rows[0]) if rows else None

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        await self.book.load()
        params: dict[str, Any] = {"filter": {"open": True}}
        if symbol:
            params["symbol"] = (await self.instrument(symbol)).venue_symbol
        rows = await self._pages("/order", params, signed=True)
        return [o for o in (self.feed.order_from_row(r) for r in rows) if o is not None]

    # account -----------------------------------------------------------------------------
    async def positions(self) -> list[Position]:
        await self.book.load()
        out = []
        for row in await self.rest_get("/position", {"count": self.config.page_size}, True):
            wire = WirePosition.of(row)
            inst = self.feed.instruments.get(wire.symbol)
            if inst is None:
                continue
            position = position_from_wire(wire, inst.symbol, self.config.currencies)
            self.feed.positions.set_from_venue(position)
            if not position.is_flat:
                out.append(position)
        return out

    async def balances(self) -> list[Balance]:
        rows = await self.rest_get("/user/margin", {"currency": "all"}, signed=True)
        rows = rows if isinstance(rows, list) else [rows]
        return [balance_from_wire(WireMargin.of(r), self.config.currencies) for r in rows]

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        await self.book.load()
        params: dict[str, Any] = {
            "startTime": ms_to_iso(since_ms),
            "filter": {"execType": list(self.config.fill_exec_types)},
            "reverse": False,
        }
        if symbol:
            params["symbol"] = (await self.instrument(symbol)).venue_symbol
        fills = []
        for row in await self._pages("/execution/tradeHistory", params, signed=True):
            fill = self.feed.fill_from_row(row)
            if fill is not None and fill.ts_ms >= since_ms:
                fills.append(fill)
        return fills

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        """Isolated leverage 0.01-100; 0 switches the position to cross margin."""
        if leverage < 0 or leverage > 100:
            raise UsageError(f"BitMEX leverage must be 0 (cross) to 100, got {leverage}")
        inst = await self.instrument(symbol)
        await self._private("POST", "/position/leverage", idempotent=True,
                            body={"symbol": inst.venue_symbol, "leverage": float(leverage)})

    async def set_margin_mode(self, symbol: str, *, cross: bool) -> None:
        inst = await self.instrument(symbol)
        await self._private("POST", "/position/isolate", idempotent=True,
                            body={"symbol": inst.venue_symbol, "enabled": not cross})

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
