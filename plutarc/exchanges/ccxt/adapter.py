"""CcxtVenue: our ``Venue`` interface over any ccxt exchange described by a ``CcxtProfile``.

Parts: the ccxt exchange object (transport, signing, parsing; see ``client``), a market
table (our symbol = the venue's market id <-> ccxt's unified symbol), a client-id book
(client id -> symbol and venue id, for venues and restarts that drop the link), the clock
offset and the error table. Orders always carry our deterministic client id; a network
failure while placing is ``OrderStatusUnknown`` and the caller asks ``order_by_client_id``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Iterable
from decimal import Decimal
from typing import Any

from plutarc.errors import ConfigError, OrderRejected, UsageError
from plutarc.exchanges.base import FundingRate, OpenInterest
from plutarc.exchanges.ccxt import parse
from plutarc.exchanges.ccxt.candles import fetch_candles
from plutarc.exchanges.ccxt.client import CcxtCredentials, build_exchange
from plutarc.exchanges.ccxt.closing import close_position
from plutarc.exchanges.ccxt.errors import is_order_not_found, map_error
from plutarc.exchanges.ccxt.orders import OrderBook, OrderPath
from plutarc.exchanges.ccxt.profile import CcxtProfile, ClockSource
from plutarc.exchanges.ccxt.streams import CcxtStreams
from plutarc.intervals import interval_ms
from plutarc.models import Balance, Candle, Fill, Instrument, Order, OrderRequest, Position

# how venues refuse a leverage that is already set (success to us): Bybit's 110043 "Set
# leverage not modified", and "no need to change"
_UNCHANGED = ("no need to change", "leverage not modified")


class CcxtVenue:
    """A ccxt venue; ``credentials`` None = public market data only (paper bots)."""

    def __init__(self, profile: CcxtProfile, *, testnet: bool = False,
                 credentials: CcxtCredentials | None = None, base_url: str | None = None,
                 timeout_s: float = 10.0, poll_s: float = 2.0) -> None:
        self.profile = profile
        self.name = profile.name
        self.capabilities = profile.capabilities
        self.testnet = testnet
        self.poll_s = poll_s
        self._credentials = credentials
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._ex: Any = None
        self._by_id: dict[str, dict[str, Any]] = {}  # our symbol -> ccxt market
        self._by_unified: dict[str, str] = {}  # ccxt symbol -> our symbol
        self._specs: dict[int, tuple[dict[str, Any], Instrument]] = {}  # see spec()
        self._offset_ms = 0  # local clock minus the venue's
        self._synced_at = 0.0
        self.book = OrderBook()
        self.orders = OrderPath(self)
        self.live: CcxtStreams | None = CcxtStreams(self) if profile.websocket else None

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def exchange(self) -> Any:
        if self._ex is None:
            self._ex = build_exchange(self.profile, testnet=self.testnet,
                                      credentials=self._credentials, base_url=self._base_url,
                                      timeout_s=self._timeout_s)
        return self._ex

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """One ccxt call with its errors mapped through the table."""
        try:
            return await getattr(self.exchange, method)(*args, **kwargs)
        except Exception as exc:  # ccxt raises its own tree; mapped once
            if is_order_not_found(exc):
                raise
            raise map_error(self.name, exc, ban_is_final=self.profile.ban_is_final) from None

    async def start(self) -> None:
        await self._markets()
        if self._credentials is not None:
            await self.sync_clock()
            if self.profile.net_mode_required:
                mode = await self.call("fetch_position_mode", None)
                if mode.get("hedged"):
                    raise ConfigError(f"the {self.name} account is in long/short (hedge) "
                                      "position mode; bots need net mode: switch it in the "
                                      "venue's settings, then start the bot again")

    async def _markets(self) -> dict[str, dict[str, Any]]:
        if not self._by_id:
            markets = await self.profile.hooks.load_markets(self, dict(self.profile.market_params))
            for market in markets.values():
                tradable = market.get("active", True) is not False
                if market.get("type") in self.profile.market_types and tradable:
                    self._by_id[str(market["id"])] = market
                    self._by_unified[str(market["symbol"])] = str(market["id"])
        return self._by_id

    async def market(self, symbol: str) -> dict[str, Any]:
        markets = await self._markets()
        found = markets.get(symbol)
        if found is None:
            raise UsageError(f"{self.name} has no {symbol!r} contract; e.g. "
                             f"{', '.join(sorted(markets)[:5])}")
        self.book.seen_symbols.add(symbol)
        return found

    def our_symbol(self, unified: str) -> str:
        return self._by_unified.get(unified, unified)

    async def unified(self, symbol: str) -> str:
        return str((await self.market(symbol))["symbol"])

    # -- time -------------------------------------------------------------------------------
    async def sync_clock(self) -> int:
        """Offset = median of N (local midpoint - server time) samples; signing uses it."""
        if self.profile.clock is ClockSource.LOCAL:
            return 0
        samples = []
        for _ in range(self.profile.clock_samples):
            before = time.time() * 1000
            server = await self.call("fetch_time")
            samples.append((before + time.time() * 1000) / 2 - float(server))
        self._offset_ms = int(statistics.median(samples))
        self._synced_at = time.monotonic()
        self.exchange.options["adjustForTimeDifference"] = True
        self.exchange.options["timeDifference"] = self._offset_ms
        return self._offset_ms

    @property
    def clock_offset_ms(self) -> int:
        return self._offset_ms

    async def server_time_ms(self) -> int:
        """The venue's now: our clock corrected by the offset, re-measured every
        ``clock_resync_s`` (not a request per call: streams ask for it every poll)."""
        if self.profile.clock is ClockSource.LOCAL:
            return int(time.time() * 1000)
        if not self._synced_at or (
                time.monotonic() - self._synced_at > self.profile.clock_resync_s):
            await self.sync_clock()
        return int(time.time() * 1000) - self._offset_ms

    # -- market data ------------------------------------------------------------------------
    def spec(self, market: dict[str, Any]) -> Instrument:
        # Parsed once per market dict (every order asks; ~30 us of Decimal parsing): the
        # cache holds the dict it was parsed from, so a reloaded market is parsed anew.
        hit = self._specs.get(id(market))
        if hit is not None and hit[0] is market:
            return hit[1]
        inst = parse.instrument(self.name, market, self.profile.amount_in_quote)
        self._specs[id(market)] = (market, inst)
        return inst

    async def instruments(self) -> list[Instrument]:
        return [self.spec(m) for _, m in sorted((await self._markets()).items())]

    async def instrument(self, symbol: str) -> Instrument:
        return self.spec(await self.market(symbol))

    async def candles(self, symbol: str, interval: str, start_ms: int,
                      end_ms: int) -> list[Candle]:
        unified = await self.unified(symbol)
        now = await self.server_time_ms()

        async def page(tf: str, since: int, limit: int) -> list[list[Any]]:
            return await self.call("fetch_ohlcv", unified, tf, since, limit)

        return await fetch_candles(page, interval, self.capabilities.native_intervals,
                                   start_ms, end_ms, now, self.profile.candle_limit)

    def stream_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        """Closed candles: over the WebSocket where the profile has one (streams.py), else
        by polling REST just after each close (every venue has REST)."""
        if self.live is not None and self.live.native(interval):
            return self.live.candles(symbol, interval)
        return self.poll_candles(symbol, interval)

    async def poll_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        step = interval_ms(interval)
        now = await self.server_time_ms()
        last = now - now % step - step  # the newest closed bar at the start is history
        while True:
            now = await self.server_time_ms()
            due = last + 2 * step
            if now < due:
                await asyncio.sleep(min(self.poll_s, (due - now) / 1000 + 0.05))
                continue
            for candle in await self.candles(symbol, interval, last + step, now):
                last = candle.ts_ms
                yield candle
            await asyncio.sleep(self.poll_s / 4)

    async def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list[FundingRate]:
        if not self.exchange.has.get("fetchFundingRateHistory"):
            return []
        rows = await self.call("fetch_funding_rate_history", await self.unified(symbol),
                               start_ms, None)
        key = self.profile.funding_info_key  # the raw field, where ccxt's rate is another's
        return [FundingRate(symbol, int(r["timestamp"]),
                            float(r["info"][key] if key else r["fundingRate"]))
                for r in rows if start_ms <= int(r["timestamp"]) < end_ms]

    async def open_interest(self, symbol: str, start_ms: int,
                            end_ms: int) -> list[OpenInterest]:
        if not self.exchange.has.get("fetchOpenInterestHistory"):
            return []
        rows = await self.call("fetch_open_interest_history", await self.unified(symbol), "1h",
                               start_ms, None)
        return [OpenInterest(symbol, int(r["timestamp"]),
                             float(r.get("openInterestAmount") or r.get("openInterestValue")
                                   or 0.0))
                for r in rows if start_ms <= int(r["timestamp"]) < end_ms]

    # -- orders (see orders.py) -------------------------------------------------------------
    async def place_order(self, request: OrderRequest) -> Order:
        return await self.orders.place(request)

    async def amend_order(self, client_id: str, *, qty: Decimal | None = None,
                          price: Decimal | None = None,
                          stop_price: Decimal | None = None) -> Order:
        return await self.orders.amend(client_id, qty=qty, price=price, stop_price=stop_price)

    async def cancel_order(self, client_id: str) -> Order:
        return await self.orders.cancel(client_id)

    async def cancel_all(self, symbol: str | None = None) -> list[Order]:
        return await self.orders.cancel_all(symbol)

    async def close_position(self, client_id: str, symbol: str) -> Order | None:
        """The whole position closed by the venue's close endpoint (profile
        ``close_client_id_param``; refused where there is none); None when flat."""
        return await close_position(self, client_id, symbol)

    def claim_orders(self, client_ids: Iterable[str]) -> None:
        """Orders an earlier life sent (the daemon's journal, at restart): where the venue
        carries a number for our id (WOO X), the number is known again before fills and
        open orders are read, so they name our client ids."""
        for client_id in client_ids:
            self.orders.wire(client_id)

    async def order_by_client_id(self, client_id: str) -> Order | None:
        return await self.orders.lookup(client_id)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return await self.orders.open(symbol)

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        return await self.orders.fills_since(since_ms, symbol)

    # -- account ----------------------------------------------------------------------------
    def _account_queries(self) -> list[dict[str, Any]]:
        """Params for each account query: one per settle coin where the venue keeps an
        account per coin (the bot's markets first, else every tradable one)."""
        key = self.profile.account_code_param
        if not key:
            return [{}]
        markets = [self._by_id[s] for s in sorted(self.book.seen_symbols) if s in self._by_id]
        coins = sorted({str(m.get("settle")) for m in markets or self._by_id.values()})
        return [{key: coin} for coin in coins]

    async def positions(self) -> list[Position]:
        await self._markets()
        out = []
        for query in self._account_queries():
            for row in await self.profile.hooks.position_rows(self, None, query):
                symbol = self.our_symbol(str(row.get("symbol")))
                if symbol in self._by_id and (pos := parse.position(row, symbol)) is not None:
                    out.append(pos)
        return out

    async def balances(self) -> list[Balance]:
        await self._markets()
        out: dict[str, Balance] = {}
        for query in self._account_queries():
            raw = await self.call("fetch_balance", {**self.profile.balance_params, **query})
            for balance in parse.balances(raw, int(time.time() * 1000)):
                out[balance.currency] = balance  # per coin, never summed
        return [out[coin] for coin in sorted(out)]

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        try:
            whole = leverage == leverage.to_integral_value()  # most venues take whole numbers
            await self.call("set_leverage", int(leverage) if whole else float(leverage),
                            await self.unified(symbol))
        except OrderRejected as exc:  # already set is success, in the venue's words
            if not any(s in str(exc).lower() for s in _UNCHANGED):
                raise

    def stream_fills(self) -> AsyncIterator[Fill]:
        return self.live.fills() if self.live is not None else self.orders.stream_fills()

    def stream_orders(self) -> AsyncIterator[Order]:
        """Order updates over the WebSocket (venues with one; their REST catch-up too)."""
        if self.live is None:
            raise UsageError(f"{self.name}: order updates stream only over a WebSocket")
        return self.live.orders()

    async def close(self) -> None:
        if self.live is not None:
            await self.live.close()
        if self._ex is not None:
            await self._ex.close()
            self._ex = None
