"""The native BitMEX venue: plutarc's Venue interface over BitMEX REST and websockets.

Symbols are ours (XBT is BTC; ``Instrument.venue_symbol`` keeps XBTUSD). ``start()`` loads
instruments, opens the private stream and arms the dead man's switch; ``close()`` disarms it
and closes everything.

The adapter is composed of plain parts built here and wired to one HTTP session (see
core.py): ``orders`` (trading.py), ``account`` (account.py) and ``market`` (market.py) over
REST, ``live`` (live.py) for the websockets; each Venue operation delegates to its part in
one line. This module keeps the lifecycle and the stream subscriptions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from decimal import Decimal
from typing import Any

from plutarc.clock import Clock, WallClock
from plutarc.exchanges.base import FundingRate, OpenInterest
from plutarc.exchanges.bitmex.account import BitmexAccount
from plutarc.exchanges.bitmex.auth import Credentials
from plutarc.exchanges.bitmex.candles import CandleSynth, native_interval
from plutarc.exchanges.bitmex.capabilities import bitmex_capabilities
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.core import AdapterState, BitmexRest, ClockSync
from plutarc.exchanges.bitmex.deadman import DeadMansSwitch
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.http import BitmexHttp
from plutarc.exchanges.bitmex.instrument_refresh import InstrumentRefresher
from plutarc.exchanges.bitmex.instruments import InstrumentBook
from plutarc.exchanges.bitmex.latency import LatencyBook
from plutarc.exchanges.bitmex.live import LiveStreams
from plutarc.exchanges.bitmex.market import BitmexMarket
from plutarc.exchanges.bitmex.parse_market import QuoteTick
from plutarc.exchanges.bitmex.rowcheck import RowAlert
from plutarc.exchanges.bitmex.schemas import WireInstrument
from plutarc.exchanges.bitmex.skew import VenueClock
from plutarc.exchanges.bitmex.trading import BitmexOrders
from plutarc.intervals import interval_ms
from plutarc.models import Balance, Candle, Fill, Instrument, Order, OrderRequest, Position

__all__ = ["AdapterState", "BitmexAdapter"]


class BitmexAdapter:
    """BitMEX (live or testnet) behind plutarc's Venue protocol."""

    name = "bitmex"

    def __init__(self, config: BitmexConfig | None = None,
                 credentials: Credentials | None = None, clock: Clock | None = None) -> None:
        self.config = config = config or BitmexConfig()
        self.capabilities = bitmex_capabilities(config.bucket_page_size)
        # the venue's clock (local + measured offset): signatures, frame ages, catch-up times
        self.venue_clock = VenueClock(clock or WallClock())
        self._credentials = credentials
        self.http = BitmexHttp(config, credentials, self.venue_clock)
        self.latency = LatencyBook(config.latency_window)
        self.feed = Feed(config.currencies, self.latency, fill_exec_types=config.fill_exec_types,
                         max_rows=config.table_max_rows)
        self.rest = BitmexRest(self.http, config)
        self.clock_sync = ClockSync(self.http, self.venue_clock)
        self.book = InstrumentBook(config, self.rest.get, self.feed)
        self.account = BitmexAccount(self.rest, self.feed, self.book, config)
        self.orders = BitmexOrders(self.rest, self.feed, self.book, config, self.account,
                                   self.latency.get("rest_order_rtt_ms"),
                                   can_trade=credentials is not None)
        self.market = BitmexMarket(self.rest, self.book, config, self.venue_clock)
        self.instrument_refresher = InstrumentRefresher(self.orders, config.instrument_refresh_s)
        self.live = LiveStreams(config, self.feed, self.venue_clock, credentials, rest=self.rest,
                                account=self.account, orders=self.orders,
                                resync=self.clock_sync.sync)
        self.dead_mans_switch = DeadMansSwitch(
            self.http, config.dead_man_timeout_ms, config.dead_man_refresh_s,
            account=f"{config.rest_base}|{credentials.api_key if credentials else ''}",
        )

    def __repr__(self) -> str:
        where = "testnet" if self.config.testnet else self.config.rest_base
        return f"BitmexAdapter({where}, state={self.state}, credentials={self._credentials!r})"

    @property
    def state(self) -> AdapterState:
        return self.rest.state

    @property
    def can_trade(self) -> bool:
        return self.orders.can_trade

    # lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Load instruments; with credentials open the private stream and arm the switch."""
        self.rest.check_open()
        await self.book.load()
        self.instrument_refresher.start()  # tick, lot and fees change under running orders
        if self._credentials is not None:
            await self.clock_sync.sync()  # before anything is signed for the streams
            self.clock_sync.keep_synced()
            self.live.ensure_private()
            if self.config.dead_man_switch:
                await self.dead_mans_switch.start()
        self.rest.state = AdapterState.RUNNING

    async def wait_streams_live(self, timeout_s: float = 10.0) -> None:
        await self.live.wait_live(timeout_s)

    async def close(self) -> None:
        if self.state is AdapterState.CLOSED:
            return
        try:
            await self.instrument_refresher.stop()
            await self.clock_sync.stop()
            if self.dead_mans_switch.running:
                await self.dead_mans_switch.stop(disarm=True)
            await self.live.close()
            for broadcast in (self.feed.fills, self.feed.order_updates,
                              self.feed.position_updates, self.feed.balance_updates,
                              self.feed.quote_updates, *self.feed.candles.values()):
                broadcast.close()
        finally:
            await self.http.close()
            self.rest.state = AdapterState.CLOSED

    async def sync_clock(self) -> bool:
        return await self.clock_sync.sync()

    async def rest_get(self, path: str, params: dict[str, Any] | None = None,
                       signed: bool = False) -> Any:
        return await self.rest.get(path, params, signed)

    # instruments and market data ---------------------------------------------------------
    async def instruments(self) -> list[Instrument]:
        self.rest.check_open()
        return await self.book.load()

    async def instrument(self, symbol: str) -> Instrument:
        return await self.rest.instrument(self.book, symbol)

    async def server_time_ms(self) -> int:
        return await self.rest.server_time_ms()

    async def candles(self, symbol: str, interval: str, start_ms: int, end_ms: int
                      ) -> list[Candle]:
        return await self.market.candles(symbol, interval, start_ms, end_ms)

    async def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list[FundingRate]:
        return await self.market.funding_rates(symbol, start_ms, end_ms)

    async def current_funding(self, symbol: str) -> tuple[FundingRate, FundingRate]:
        return await self.market.current_funding(symbol)

    async def open_interest(self, symbol: str, start_ms: int, end_ms: int
                            ) -> list[OpenInterest]:
        return await self.market.open_interest(symbol, start_ms, end_ms)

    async def best_bid_ask(self, symbol: str) -> tuple[float, float] | None:
        """(best bid, best ask) now, for the spread strategies see."""
        return await self.market.best_bid_ask(symbol)

    # orders ------------------------------------------------------------------------------
    async def place_order(self, request: OrderRequest) -> Order:
        return await self.orders.place_order(request)

    async def close_position(self, client_id: str, symbol: str,
                             price: Decimal | None = None) -> Order | None:
        return await self.orders.close_position(client_id, symbol, price)

    async def amend_order(self, client_id: str, *, qty: Decimal | None = None,
                          price: Decimal | None = None, stop_price: Decimal | None = None,
                          trail_offset: Decimal | None = None) -> Order:
        return await self.orders.amend_order(client_id, qty=qty, price=price,
                                             stop_price=stop_price, trail_offset=trail_offset)

    async def cancel_order(self, client_id: str) -> Order:
        return await self.orders.cancel_order(client_id)

    async def cancel_all(self, symbol: str | None = None) -> list[Order]:
        return await self.orders.cancel_all(symbol)

    def claim_orders(self, client_ids: Iterable[str]) -> None:
        self.orders.claim_orders(client_ids)

    async def order_by_client_id(self, client_id: str) -> Order | None:
        return await self.orders.order_by_client_id(client_id)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return await self.orders.open_orders(symbol)

    # account -----------------------------------------------------------------------------
    async def positions(self) -> list[Position]:
        return await self.account.positions()

    async def balances(self) -> list[Balance]:
        return await self.account.balances()

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        return await self.account.fills_since(since_ms, symbol)

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        await self.account.set_leverage(symbol, leverage)

    async def set_margin_mode(self, symbol: str, *, cross: bool) -> None:
        await self.account.set_margin_mode(symbol, cross=cross)

    # streams -----------------------------------------------------------------------------
    def stream_fills(self) -> AsyncIterator[Fill]:
        self.rest.check_open()
        self.live.ensure_private()
        return self.feed.fills.subscribe()

    def stream_orders(self) -> AsyncIterator[Order]:
        self.rest.check_open()
        self.live.ensure_private()
        return self.feed.order_updates.subscribe()

    def stream_positions(self) -> AsyncIterator[Position]:
        self.rest.check_open()
        self.live.ensure_private()
        return self.feed.position_updates.subscribe()

    def stream_balances(self) -> AsyncIterator[Balance]:
        self.rest.check_open()
        self.live.ensure_private()
        return self.feed.balance_updates.subscribe()

    def stream_alerts(self) -> AsyncIterator[RowAlert]:
        """Our own orders whose rows carried a value we cannot read (one alert per row)."""
        self.rest.check_open()
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
