"""WebSocket streams of a ccxt venue (ccxt.pro, inside the pinned ccxt): candles, fills, orders.

Each stream merges two sides onto one queue: the socket side (ccxt.pro ``watch_*``) for
latency, and a REST side for completeness. While a socket is down (never up yet, dropped,
refused) the REST side polls every ``poll_s`` as the polling adapter does, and says so in
a log line and in ``Link.events``; when the socket comes back (ccxt opens a new connection
on the next ``watch_*`` call, authenticates again and re-sends every subscription: private
subscriptions are never assumed to survive) the REST side catches up at once, then sweeps
every ``sweep_s`` while the socket is up. Whatever both sides deliver is deduplicated (fills
by trade id, orders by their state, candles by open time), so nothing missed while down is
lost and nothing is delivered twice.

Candles: a bar is emitted once the venue has moved on (a row of a later bar arrived on the
socket, the venue's stream being ordered), or by the REST side once it has closed: never a
forming bar. Intervals the venue has no native stream for are polled.

Binance's user stream dies silently when its listen key goes stale: ccxt 4.5 (Python)
renews a key once and never again, so we renew it every ``ws_keepalive_s`` (ccxt drops the
socket if a renewal is refused); a ``listenKeyExpired`` event (the profile's
``ws_stale_event``) forgets the key and drops the socket, so the reconnect asks for a new
one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from plutarc.errors import DataError, VenueUnavailable
from plutarc.exchanges.ccxt import parse
from plutarc.exchanges.ccxt.client import build_exchange
from plutarc.exchanges.ccxt.merge import Link, merged
from plutarc.intervals import interval_ms
from plutarc.models import Candle, Fill, Order

if TYPE_CHECKING:
    from plutarc.exchanges.ccxt.adapter import CcxtVenue

log = logging.getLogger("plutarc.exchanges.ccxt.streams")


class CcxtStreams:
    """The WebSocket side of a ``CcxtVenue`` whose profile says ``websocket=True``."""

    def __init__(self, venue: CcxtVenue, *, backoff_s: tuple[float, float] = (0.5, 30.0),
                 sweep_s: float = 30.0, settle_s: float = 1.0, grace_s: float = 10.0) -> None:
        self.v = venue
        self.backoff_s = backoff_s
        self.sweep_s = sweep_s  # REST sweep while the socket is up (a silent socket's net)
        self.settle_s = settle_s  # a watch alive this long after a connect = subscribed
        self.grace_s = grace_s  # after a close, REST reads a bar the socket did not finish
        self.public = Link("public")
        self.private = Link("private")
        self._pro: Any = None
        self._opened = 0  # connections opened by ccxt (any socket)
        self.keepalive_s = venue.profile.ws_keepalive_s
        self._keepalive: asyncio.Task[None] | None = None
        self.closed = False  # by close(): no socket is opened again

    # -- the ccxt.pro exchange ---------------------------------------------------------------
    @property
    def pro(self) -> Any:
        if self.closed:
            raise VenueUnavailable(f"{self.v.name}: its streams were closed")
        if self._pro is None:
            v = self.v
            pro = build_exchange(v.profile, testnet=v.testnet, credentials=v._credentials,
                                 base_url=v._base_url, timeout_s=v._timeout_s, pro=True)
            self._venue_clock(pro)
            self._hook(pro)
            self._pro = pro
        return self._pro

    def _venue_clock(self, pro: Any) -> None:
        """Everything the socket side signs is stamped with the venue's clock (our clock
        corrected by the adapter's measured offset, read at each use): ccxt stamps a WS
        login with its plain clock (Bybit's ``expires``, OKX's Unix seconds), which a host
        clock behind the venue's by seconds would have refused."""
        wall = pro.milliseconds

        def milliseconds() -> int:
            return int(wall()) - self.v.clock_offset_ms

        pro.options["adjustForTimeDifference"] = False  # not twice: milliseconds() does it
        pro.options["timeDifference"] = 0
        pro.milliseconds = milliseconds
        pro.seconds = lambda: milliseconds() // 1000

    def _hook(self, pro: Any) -> None:
        """Count connections, and act on the profile's stale-session event."""
        opened, handle = pro.on_connected, pro.handle_message
        stale = self.v.profile.ws_stale_event

        def on_connected(client: Any, message: Any = None) -> None:
            self._opened += 1
            opened(client, message)

        def handle_message(client: Any, message: Any) -> Any:
            if stale and isinstance(message, dict) and message.get(stale[0]) == stale[1]:
                self.private.note(f"{self.v.name}: the venue says {stale[1]}: a new session "
                                  "is asked for and the socket reconnects", logging.WARNING)
                for bucket in pro.options.values():  # forget the stale key: ccxt asks anew
                    if isinstance(bucket, dict) and "listenKey" in bucket:
                        bucket.update(listenKey=None, lastAuthenticatedTime=0)
                client.on_error(ConnectionError(f"{stale[1]}"))
                return None
            return handle(client, message)

        pro.on_connected = on_connected
        pro.handle_message = handle_message

    def connected(self) -> bool:
        """Some socket of ours is open (ccxt keeps one client per URL, dropped on close)."""
        clients = getattr(self._pro, "clients", None) or {}
        return any(c.connected.done() and not c.connected.cancelled()
                   and c.connected.exception() is None and not c.closed()
                   for c in clients.values())

    async def _markets(self) -> None:
        if not self.pro.markets:  # ccxt.pro parses with its own market table
            await self.v._markets()
            self.pro.set_markets(self.v.exchange.markets, self.v.exchange.currencies)

    def _keep_alive(self) -> None:
        """Renew the private session on our own schedule (the profile's ``ws_keepalive``)."""
        method = self.v.profile.ws_keepalive
        if not method or self._keepalive is not None:
            return

        async def loop() -> None:
            while True:
                await asyncio.sleep(self.keepalive_s)
                try:  # ccxt drops the private socket itself when a renewal is refused
                    await getattr(self.pro, method)()
                except Exception as exc:
                    self.private.note(f"{self.v.name}: private session renewal failed "
                                      f"({exc})", logging.WARNING)

        self._keepalive = asyncio.create_task(loop(), name=f"ws-keepalive-{self.v.name}")

    async def close(self) -> None:
        self.closed = True
        if self._keepalive is not None:
            self._keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._keepalive
            self._keepalive = None
        if self._pro is not None:
            pro, self._pro = self._pro, None
            with contextlib.suppress(Exception):
                await pro.close()

    # -- fills -------------------------------------------------------------------------------
    async def fills(self) -> AsyncIterator[Fill]:
        await self._markets()
        self._keep_alive()
        since = await self.v.server_time_ms()
        newest = since

        async def watch() -> list[Fill]:
            out = []
            for raw in await self.pro.watch_my_trades():
                fill = await self._fill(raw)
                if fill is not None:
                    out.append(fill)
            return out

        async def rest() -> list[Fill]:
            nonlocal newest
            # from a little before the newest fill REST has shown: a venue's history can
            # list a fill late; the merge drops what was delivered already
            found = await self.v.fills_since(max(since, newest - 60_000), None)
            newest = max([newest, *(f.ts_ms for f in found)])
            return found

        def wait(up: bool) -> float:
            return self.sweep_s if up else self.v.poll_s

        async for fill in merged(self, self.private, "fills", watch, rest,
                                       lambda f: f.fill_id, wait):
            yield fill

    async def _ours(self, unified: str) -> str | None:
        """Our symbol for a ccxt symbol on the account's stream; None for a market the
        venue profile does not trade (a hand-made spot trade on OKX's instType ANY)."""
        symbol = self.v.our_symbol(unified)
        return symbol if symbol in await self.v._markets() else None

    async def _fill(self, raw: dict[str, Any]) -> Fill | None:
        symbol = await self._ours(str(raw.get("symbol")))
        if symbol is None:
            return None
        market = await self.v.market(symbol)
        cid = await self.v.orders._client_of(str(raw.get("order")), str(market["symbol"]))
        try:
            return parse.fill(raw, symbol, cid, str(market.get("settle") or ""))
        except (DataError, ValueError) as exc:  # that row only; REST reads it again
            self.private.note(f"{self.v.name}: a fill pushed on {symbol} is unreadable "
                              f"({exc})", logging.WARNING)
            return None

    # -- orders ------------------------------------------------------------------------------
    async def orders(self) -> AsyncIterator[Order]:
        """Order updates: the socket's, and after a (re)connect the open orders and the
        orders this process sent, read over REST."""
        await self._markets()
        self._keep_alive()

        async def watch() -> list[Order]:
            out = []
            for raw in await self.pro.watch_orders():
                symbol = await self._ours(str(raw.get("symbol")))
                order = self._order(raw, symbol) if symbol is not None else None
                if order is not None:
                    out.append(order)
            return out

        done: set[str] = set()  # client ids seen in a final state: never asked again

        async def rest() -> list[Order]:
            found = {o.client_id: o for o in await self.v.open_orders(None)}
            for cid in list(self.v.book.requests):  # sent by us, not open: how they ended
                if cid not in found and cid not in done and (
                        o := await self.v.order_by_client_id(cid)):
                    found[cid] = o
            done.update(c for c, o in found.items() if not o.status.is_open)
            return list(found.values())

        def wait(up: bool) -> float:
            return self.sweep_s if up else self.v.poll_s

        async for order in merged(self,
                self.private, "orders", watch, rest,
                lambda o: (o.venue_id, o.status, o.filled_qty), wait):
            yield order

    def _order(self, wire: dict[str, Any], symbol: str) -> Order | None:
        raw = self.v.orders.ours(wire)
        cid = raw.get("clientOrderId") or self.v.book.client_ids.get(str(raw.get("id")))
        if not cid:
            return None  # not an order of ours (placed by hand at the venue)
        try:
            order = parse.order({**raw, "clientOrderId": cid}, symbol,
                                self.v.book.requests.get(str(cid)))
        except (DataError, ValueError) as exc:  # that row only; REST reads the order again
            self.private.note(f"{self.v.name}: an update of order {cid} is unreadable "
                              f"({exc})", logging.WARNING)
            return None
        self.v.book.link(order)
        return order

    # -- candles -----------------------------------------------------------------------------
    def native(self, interval: str) -> bool:
        return interval in self.v.capabilities.native_intervals

    async def candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        await self._markets()
        unified = await self.v.unified(symbol)
        step = interval_ms(interval)
        now = await self.v.server_time_ms()
        last = now - now % step - step  # the newest closed bar at the start is history
        forming: dict[int, list[Any]] = {}  # open ms -> the latest row the socket sent
        fresh = [False]  # rows arrived since the socket (re)connected

        async def watch() -> list[Candle]:
            try:
                rows = [list(r) for r in await self.pro.watch_ohlcv(unified, interval)]
            except Exception:
                # a bar seen before a drop may have missed its last updates: REST gives it
                forming.clear()
                fresh[0] = False
                raise
            if not rows:
                return []
            if not fresh[0]:  # ccxt's cache outlives a connection: older rows are stale
                fresh[0] = True
                top = max(int(r[0]) for r in rows)
                rows = [r for r in rows if int(r[0]) == top]
            for row in rows:
                forming[int(row[0])] = row
            newest = max(forming)
            out = [parse.candle(forming.pop(ts), step) for ts in sorted(forming)
                   if ts < newest]  # the venue moved on: these are final
            return [c for c in out if c.ts_ms > last]

        read_to = [last]  # the newest bar REST returned (the loop below may lag it)

        async def rest() -> list[Candle]:
            now_ms = await self.v.server_time_ms()
            if now_ms < last + 2 * step:
                return []
            found = await self.v.candles(symbol, interval, last + step, now_ms)
            read_to[0] = max([read_to[0], *(c.ts_ms for c in found)])
            return found

        def wait(up: bool) -> float:
            """Down: just after the next close (at most ``poll_s``); up: ``grace_s`` later,
            for a bar the socket did not finish."""
            now_ms = time.time() * 1000 - self.v.clock_offset_ms
            due = (max(last, read_to[0]) + 2 * step - now_ms) / 1000
            if not up:
                return max(min(self.v.poll_s, due + 0.05), 0.05)
            return max(due + self.grace_s, 0.05)

        async for candle in merged(self, self.public, f"{symbol} {interval} candles", watch,
                                         rest, lambda c: c.ts_ms, wait):
            if candle.ts_ms <= last:
                continue  # an older bar after a newer one: already superseded
            last = candle.ts_ms
            yield candle
