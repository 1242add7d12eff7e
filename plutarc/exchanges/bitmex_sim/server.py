"""The local BitMEX server: REST under /api/v1 and the websocket at /realtime on one port.

``SimServer`` runs in-process (tests start it on 127.0.0.1 with a free port) or from the
CLI (``plutarc venue serve bitmex-sim``). The replay clock moves only through ``advance``
(or ``bars_per_second`` > 0); the authentication clock is the wall clock unless given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from email.utils import formatdate
from typing import Any

from aiohttp import web

from plutarc.clock import Clock, WallClock
from plutarc.exchanges.bitmex.timestamps import ms_to_iso
from plutarc.exchanges.bitmex_sim.auth import Authenticator
from plutarc.exchanges.bitmex_sim.config import SimServerConfig
from plutarc.exchanges.bitmex_sim.control import add_control_routes
from plutarc.exchanges.bitmex_sim.exchange import SimExchange
from plutarc.exchanges.bitmex_sim.faults import Faults
from plutarc.exchanges.bitmex_sim.params import ParamError
from plutarc.exchanges.bitmex_sim.rest import RestFront
from plutarc.exchanges.bitmex_sim.ws import WsHub

log = logging.getLogger("plutarc.exchanges.bitmex_sim")


class SimServer:
    def __init__(self, config: SimServerConfig | None = None, *,
                 auth_clock: Clock | None = None) -> None:
        self.config = config or SimServerConfig()
        self.auth_clock = auth_clock or WallClock()
        self.exchange = SimExchange(self.config)
        self.faults = Faults()
        self.auth = Authenticator(self.config.api_keys,
                                  max_ahead_s=self.config.expires_max_ahead_s,
                                  expired_status=self.config.expired_status)
        self.hub = WsHub(self.exchange, self.auth, self.faults, self.auth_clock,
                         self.cancel_all_after)
        self.rest = RestFront(self.config, self.exchange, self.auth, self.faults,
                              self.auth_clock, self.cancel_all_after)
        self.app = web.Application()
        self.rest.add_routes(self.app)
        self.app.router.add_get("/realtime", self.hub.handle)
        add_control_routes(self.app, self)
        self.app.on_response_prepare.append(self._date_header)
        self.port = 0
        self.dead_man_fired = 0
        self._dms: asyncio.TimerHandle | None = None
        self._runner: web.AppRunner | None = None
        self._replay: asyncio.Task | None = None

    async def _date_header(self, request: web.Request, response: web.StreamResponse) -> None:
        """Every answer's Date is the clock signatures are checked against, as at BitMEX
        (where the root ``timestamp`` is that clock too; here it is the replay clock)."""
        response.headers["Date"] = formatdate(self.auth_clock.now_ms() / 1000, usegmt=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/api/v1"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}/realtime"

    async def start(self) -> SimServer:
        self._runner = web.AppRunner(self.app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        sockets = site._server.sockets if site._server is not None else []  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1] if sockets else self.config.port
        if self.config.bars_per_second > 0:
            self._replay = asyncio.create_task(self._replay_loop(), name="bitmex-sim-replay")
        log.info("BitMEX simulator on %s (replay at %s)", self.base_url,
                 ms_to_iso(self.exchange.now_ms))
        return self

    async def close(self) -> None:
        if self._dms is not None:
            self._dms.cancel()
        if self._replay is not None:
            self._replay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replay
        self.hub.drop_all()
        await self.rest.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def advance(self, bars: int = 1) -> int:
        """Close the next ``bars`` 1m bars (fills, bins, prices go out at once)."""
        return self.exchange.advance(bars)

    async def _replay_loop(self) -> None:
        pause = 1.0 / self.config.bars_per_second
        while True:
            await asyncio.sleep(pause)
            if not self.exchange.advance(1):
                log.info("BitMEX simulator: the candle file is exhausted")
                return

    # dead man's switch -------------------------------------------------------------------
    def cancel_all_after(self, timeout_ms: int) -> dict[str, Any]:
        """Arm (or with 0 disarm) the cancel-all timer; wall time, like the venue's."""
        if timeout_ms < 0:
            raise ParamError("timeout must be >= 0")
        if self._dms is not None:
            self._dms.cancel()
            self._dms = None
        now = self.auth_clock.now_ms()
        if timeout_ms:
            loop = asyncio.get_running_loop()
            self._dms = loop.call_later(timeout_ms / 1000, self._dead_man_fires)
        return {"now": ms_to_iso(now), "cancelTime": ms_to_iso(now + timeout_ms)}

    def _dead_man_fires(self) -> None:
        self._dms = None
        self.dead_man_fired += 1
        canceled = self.exchange.cancel_all(reason="Canceled by cancelAllAfter (dead man's switch)")
        log.info("BitMEX simulator: dead man's switch canceled %d orders", len(canceled))

    @property
    def dead_man_armed(self) -> bool:
        return self._dms is not None
