"""The BitMEX adapter's core: its parts (HTTP, feed, instruments, streams), lifecycle state
and the REST helpers the trading, account and market-data halves share."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from enum import StrEnum
from typing import Any

from plutarc.clock import Clock, WallClock
from plutarc.errors import DataError, UsageError, VenueError
from plutarc.exchanges.bitmex.auth import Credentials
from plutarc.exchanges.bitmex.capabilities import bitmex_capabilities
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.deadman import DeadMansSwitch
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.http import BitmexHttp
from plutarc.exchanges.bitmex.instrument_refresh import InstrumentRefresher
from plutarc.exchanges.bitmex.instruments import InstrumentBook
from plutarc.exchanges.bitmex.latency import LatencyBook
from plutarc.exchanges.bitmex.live import LiveStreams
from plutarc.exchanges.bitmex.ratelimit import Lane
from plutarc.exchanges.bitmex.skew import RESYNC_S, VenueClock
from plutarc.models import Instrument

log = logging.getLogger("plutarc.exchanges.bitmex")


class AdapterState(StrEnum):
    NEW = "new"
    RUNNING = "running"
    CLOSED = "closed"


class AdapterCore:
    """State and plumbing; BitmexAdapter adds the Venue operations on top."""

    name = "bitmex"

    def __init__(
        self,
        config: BitmexConfig | None = None,
        credentials: Credentials | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config or BitmexConfig()
        self.capabilities = bitmex_capabilities(self.config.bucket_page_size)
        # the venue's clock (local + measured offset): signatures, frame ages, catch-up times
        self._clock = self.venue_clock = VenueClock(clock or WallClock())
        self._credentials = credentials
        self.http = BitmexHttp(self.config, credentials, self.venue_clock)
        self.latency = LatencyBook(self.config.latency_window)
        self._order_rtt = self.latency.get("rest_order_rtt_ms")
        self.feed = Feed(
            self.config.currencies,
            self.latency,
            fill_exec_types=self.config.fill_exec_types,
            max_rows=self.config.table_max_rows,
        )
        self.book = InstrumentBook(self.config, self.rest_get, self.feed)
        self.instrument_refresher = InstrumentRefresher(
            self, self.config.instrument_refresh_s)  # type: ignore[arg-type]  # the adapter
        self.live = LiveStreams(self, self.config, self.feed, self._clock, credentials)
        self.dead_mans_switch = DeadMansSwitch(
            self.http, self.config.dead_man_timeout_ms, self.config.dead_man_refresh_s,
            account=f"{self.config.rest_base}|{credentials.api_key if credentials else ''}",
        )
        self.state = AdapterState.NEW
        self._clock_task: asyncio.Task | None = None

    def __repr__(self) -> str:
        where = "testnet" if self.config.testnet else self.config.rest_base
        return f"BitmexAdapter({where}, state={self.state}, credentials={self._credentials!r})"

    def _check_open(self) -> None:
        if self.state is AdapterState.CLOSED:
            raise UsageError("this BitMEX adapter is closed; make a new one")

    # clock ---------------------------------------------------------------------------------
    async def sync_clock(self) -> bool:
        """Measure the venue clock's offset now; False (logged) when it cannot be measured."""
        try:
            await self.http.sync_clock()
        except (VenueError, DataError) as exc:
            log.warning("BitMEX clock offset not measured (%s); keeping %+.0f ms", exc,
                        self.venue_clock.offset_ms)
            return False
        return True

    def keep_clock_synced(self) -> None:
        """Resync every RESYNC_S while the adapter runs (clocks drift, hosts get NTP steps)."""
        if self._clock_task is None:
            self._clock_task = asyncio.create_task(self._resync_forever(), name="bitmex-clock")

    async def _resync_forever(self) -> None:
        while True:
            await asyncio.sleep(RESYNC_S)
            await self.sync_clock()

    async def stop_clock_sync(self) -> None:
        task, self._clock_task = self._clock_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # REST helpers ------------------------------------------------------------------------
    async def rest_get(self, path: str, params: dict[str, Any] | None = None,
                       signed: bool = False) -> Any:
        self._check_open()
        return await self.http.request("GET", path, params=params, signed=signed)

    async def _private(self, verb: str, path: str, *, body: dict[str, Any] | None = None,
                       idempotent: bool = False, timeout_s: float | None = None,
                       lane: Lane = Lane.NORMAL) -> Any:
        self._check_open()
        return await self.http.request(verb, path, body=body, signed=True,
                                       idempotent=idempotent, timeout_s=timeout_s, lane=lane)

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

    async def server_time_ms(self) -> int:
        reply = await self.rest_get("")
        try:
            return int(reply["timestamp"])
        except (KeyError, TypeError, ValueError):
            raise VenueError(f"BitMEX server time: unexpected answer {reply!r:.200}") from None
