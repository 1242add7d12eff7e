"""The real daemon API (service, store, supervisor, aiohttp app) served in-process on a socket."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from plutarc.access.guard import ACCESS
from plutarc.clock import WallClock
from plutarc.daemon.api.app import make_app
from plutarc.daemon.api.routes import ServerInfo
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.runtime.idle import IdleWorker
from plutarc.daemon.runtime.registry import WorkerRegistry
from plutarc.daemon.runtime.supervisor import Supervisor
from plutarc.daemon.service import DaemonService
from plutarc.daemon.store import DaemonStore

Reply = tuple[int, Any]


class ApiHarness:
    """Everything a daemon serves, minus the process: fast enough for a full role matrix."""

    def __init__(self) -> None:
        # Unix socket paths are limited to 107 bytes: pytest's tmp_path is often longer.
        self.home = Path(tempfile.mkdtemp(prefix="pa", dir="/tmp"))
        self.socket = self.home / "api.sock"
        self.clock = WallClock()
        self.store = DaemonStore.open(self.home / "plutarc.db")
        self.sink = EventSink(self.store, EventBus(), self.clock)
        registry = WorkerRegistry()  # bots here run on the idle venue: no orders
        registry.register("idle", lambda _bot: IdleWorker("the API harness"))
        self.supervisor = Supervisor(self.store, self.sink, registry, self.clock, 0.2)
        self.service = DaemonService(self.store, self.sink, self.supervisor, self.clock)
        self.app = make_app(self.service, ServerInfo(self.clock.now_ms(), str(self.socket),
                                                     str(self.home / "plutarc.db")))
        self._runner = web.AppRunner(self.app, access_log=None)
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> ApiHarness:
        await self._runner.setup()
        await web.UnixSite(self._runner, str(self.socket)).start()
        self._http = aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(self.socket)))
        return self

    def pretend_foreign(self) -> None:
        """Make this test process look like another Unix user to the daemon."""
        self.app[ACCESS].daemon_uid = self.app[ACCESS].daemon_uid + 4242

    async def call(self, method: str, path: str, body: Any = None,
                   token: str | None = None) -> Reply:
        assert self._http is not None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None if body is None else json.dumps(body)
        async with self._http.request(method, "http://plutarc" + path, data=data,
                                      headers=headers) as resp:
            text = await resp.text()
        return resp.status, (json.loads(text) if text else None)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        await self.supervisor.shutdown()
        await self._runner.cleanup()
        self.store.close()
        shutil.rmtree(self.home, ignore_errors=True)
