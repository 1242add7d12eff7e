"""The adapter's live side: its two websockets, and REST catch-up whenever one was down.

Public topics (tradeBin*, instrument, quote) share one socket, private tables (order,
execution, position, margin) another. On every (re)connect the socket's tables are reset
and a REST catch-up runs: missed candle bins, executions, positions and open orders are
fetched and fed through the same de-duplicating path as websocket rows. While a socket is
down, the same catch-up runs every ``rest_fallback_poll_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from plutarc.clock import Clock
from plutarc.errors import UsageError, VenueError
from plutarc.exchanges.bitmex.account import BitmexAccount
from plutarc.exchanges.bitmex.auth import Credentials
from plutarc.exchanges.bitmex.candles import fetch_native
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.core import BitmexRest
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.tables import TableStore
from plutarc.exchanges.bitmex.trading import BitmexOrders
from plutarc.exchanges.bitmex.ws import BitmexSocket, SocketState

log = logging.getLogger("plutarc.exchanges.bitmex.live")

PRIVATE_TOPICS = ["order", "execution", "position", "margin"]


class LiveStreams:
    """The streams client: both sockets, and the REST parts (``rest``, ``account``,
    ``orders``) its catch-up reads; ``resync`` measures the venue clock again when a
    signature expired."""

    def __init__(
        self,
        config: BitmexConfig,
        feed: Feed,
        clock: Clock,
        credentials: Credentials | None,
        *,
        rest: BitmexRest,
        account: BitmexAccount,
        orders: BitmexOrders,
        resync: Callable[[], Awaitable[bool]],
    ) -> None:
        self._rest = rest
        self._account = account
        self._orders = orders
        self._resync = resync
        self._config = config
        self._feed = feed
        self._clock = clock
        self._credentials = credentials
        self.public: BitmexSocket | None = None
        self.private: BitmexSocket | None = None
        self._stores = {"public": TableStore(config.table_max_rows),
                        "private": TableStore(config.table_max_rows)}
        self._tasks: set[asyncio.Task] = set()
        self._poller: asyncio.Task | None = None
        self.venue_start_ms: int | None = None  # venue time when private streams began
        self.catch_ups = 0

    # sockets -----------------------------------------------------------------------------
    def _handler(self, name: str) -> Callable[[dict, int, int], None]:
        store = self._stores[name]
        feed = self._feed

        def on_frame(frame: dict, recv_ms: int, rx_ns: int) -> None:
            feed.apply(store, frame, recv_ms, rx_ns)

        return on_frame

    def _socket(self, name: str, topics: list[str], credentials: Credentials | None
                ) -> BitmexSocket:
        socket = BitmexSocket(
            name,
            self._config,
            topics,
            self._handler(name),
            credentials=credentials,
            clock=self._clock,
            on_connect=lambda: self._on_connect(name),
            on_fatal=self._on_fatal,
            on_auth_expired=self._resync_clock,
        )
        socket.start()
        self._ensure_poller()
        return socket

    async def subscribe_public(self, topics: list[str]) -> BitmexSocket:
        if self.public is None:
            self.public = self._socket("public", topics, None)
        else:
            await self.public.add_topics(topics)
        return self.public

    def ensure_private(self) -> BitmexSocket:
        if self._credentials is None:
            raise UsageError("private BitMEX streams need API credentials")
        if self.private is None:
            self.private = self._socket("private", list(PRIVATE_TOPICS), self._credentials)
        return self.private

    def table_rows(self, table: str, socket: str = "public") -> dict[tuple, dict]:
        found = self._stores[socket].tables.get(table)
        return found.rows if found is not None else {}

    async def wait_live(self, timeout_s: float) -> None:
        for socket in (self.public, self.private):
            if socket is not None:
                await socket.wait_live(timeout_s)

    def _on_connect(self, name: str) -> None:
        self._stores[name].reset()
        self._spawn(self.catch_up(name))

    async def _resync_clock(self) -> None:
        await self._resync()

    def _on_fatal(self, error: VenueError) -> None:
        log.error("BitMEX websocket stopped: %s", error)
        for broadcast in (self._feed.fills, self._feed.order_updates,
                          self._feed.position_updates, self._feed.balance_updates):
            broadcast.fail(error)

    # REST catch-up -----------------------------------------------------------------------
    async def catch_up(self, name: str) -> None:
        try:
            if name == "public":
                await self._catch_up_candles()
            else:
                await self._catch_up_private()
            self.catch_ups += 1
        except VenueError as exc:
            log.warning("BitMEX %s REST catch-up failed: %s", name, exc)

    async def _catch_up_candles(self) -> None:
        now = self._clock.now_ms()
        for (venue_symbol, bin_size) in list(self._feed.candles):
            last_end = self._feed.last_bin_end(venue_symbol, bin_size)
            if last_end is None:
                continue
            missed = await fetch_native(
                self._rest.get, venue_symbol, bin_size, last_end, now, now,
                self._config.bucket_page_size,
            )
            for candle in missed:
                self._feed.emit_candle(venue_symbol, bin_size, candle)

    async def _catch_up_private(self) -> None:
        # executions carry venue time: measure "since" on the venue's clock, not ours
        if self.venue_start_ms is None:
            self.venue_start_ms = await self._rest.server_time_ms()
        since = max(self.venue_start_ms, self._feed.last_fill_ms - 60_000)
        for fill in await self._account.fills_since(since):
            self._feed.accept_fill(fill)
        for position in await self._account.positions():
            self._feed.position_updates.publish(position)
        for order in await self._orders.open_orders():
            self._feed.order_updates.publish(order)

    def _ensure_poller(self) -> None:
        if self._poller is None:
            self._poller = asyncio.create_task(self._poll_while_down(), name="bitmex-fallback")

    async def _poll_while_down(self) -> None:
        while True:
            await asyncio.sleep(self._config.rest_fallback_poll_s)
            for name, socket in (("public", self.public), ("private", self.private)):
                if socket is not None and socket.state in (SocketState.CONNECTING,
                                                           SocketState.BACKING_OFF):
                    await self.catch_up(name)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
        for task in list(self._tasks):
            task.cancel()
        for socket in (self.public, self.private):
            if socket is not None:
                await socket.close()
        for task in [*self._tasks, *([self._poller] if self._poller else [])]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._poller = None
