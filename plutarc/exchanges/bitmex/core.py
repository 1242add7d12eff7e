"""What every part of the BitMEX adapter shares: the REST client and the venue clock's sync.

The adapter (adapter.py) is composed of plain parts, each holding what it uses: orders
(trading.py), account (account.py), market data (market.py), the websockets with their
REST catch-up (live.py), the dead man's switch and the instrument refresh. They all send
REST through one BitmexRest, which refuses every request once the adapter is closed, so a
part can be built and tested alone with any ``http`` that has BitmexHttp's ``request``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from enum import StrEnum
from typing import Any, Protocol

from plutarc.errors import DataError, UsageError, VenueError
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.instruments import InstrumentBook
from plutarc.exchanges.bitmex.ratelimit import Lane
from plutarc.exchanges.bitmex.skew import RESYNC_S, VenueClock
from plutarc.models import Instrument

log = logging.getLogger("plutarc.exchanges.bitmex")


class AdapterState(StrEnum):
    NEW = "new"
    RUNNING = "running"
    CLOSED = "closed"


class Http(Protocol):
    """What the parts use of BitmexHttp (a test passes a fake with this method)."""

    async def request(self, verb: str, path: str, *, params: dict[str, Any] | None = None,
                      body: dict[str, Any] | None = None, signed: bool = False,
                      idempotent: bool | None = None, timeout_s: float | None = None,
                      lane: Lane = Lane.NORMAL) -> Any: ...


class BitmexRest:
    """REST for every part: ``http`` behind the adapter's lifecycle state."""

    def __init__(self, http: Http, config: BitmexConfig) -> None:
        self.http = http
        self.config = config
        self.state = AdapterState.NEW

    def check_open(self) -> None:
        if self.state is AdapterState.CLOSED:
            raise UsageError("this BitMEX adapter is closed; make a new one")

    async def get(self, path: str, params: dict[str, Any] | None = None,
                  signed: bool = False) -> Any:
        self.check_open()
        return await self.http.request("GET", path, params=params, signed=signed)

    async def private(self, verb: str, path: str, *, body: dict[str, Any] | None = None,
                      idempotent: bool = False, timeout_s: float | None = None,
                      lane: Lane = Lane.NORMAL) -> Any:
        self.check_open()
        return await self.http.request(verb, path, body=body, signed=True,
                                       idempotent=idempotent, timeout_s=timeout_s, lane=lane)

    async def pages(self, path: str, params: dict[str, Any], signed: bool) -> list[dict]:
        """Every row of a table query, ``count`` rows at a time (``start`` offsets)."""
        rows: list[dict] = []
        page = self.config.page_size
        while True:
            batch = await self.get(path, {**params, "count": page, "start": len(rows)}, signed)
            rows.extend(batch)
            if len(batch) < page:
                return rows

    async def server_time_ms(self) -> int:
        reply = await self.get("")
        try:
            return int(reply["timestamp"])
        except (KeyError, TypeError, ValueError):
            raise VenueError(f"BitMEX server time: unexpected answer {reply!r:.200}") from None

    async def instrument(self, book: InstrumentBook, symbol: str) -> Instrument:
        """``symbol`` in ``book``, refused like any request once the adapter is closed."""
        self.check_open()
        return await book.get(symbol)


class ClockSync:
    """The venue clock's offset, measured at start and again every RESYNC_S while running
    (clocks drift, hosts get NTP steps); signatures and frame ages use it."""

    def __init__(self, http: Any, venue_clock: VenueClock) -> None:  # BitmexHttp
        self._http = http
        self.venue_clock = venue_clock
        self._task: asyncio.Task | None = None

    async def sync(self) -> bool:
        """Measure the offset now; False (logged) when it cannot be measured."""
        try:
            await self._http.sync_clock()
        except (VenueError, DataError) as exc:
            log.warning("BitMEX clock offset not measured (%s); keeping %+.0f ms", exc,
                        self.venue_clock.offset_ms)
            return False
        return True

    def keep_synced(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._resync_forever(), name="bitmex-clock")

    async def _resync_forever(self) -> None:
        while True:
            await asyncio.sleep(RESYNC_S)
            await self.sync()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
