"""Notifications for the daemon benchmarks: every kind, fills included, routed to a slow
channel (a JSON webhook answering after 2 s) and to one that never answers at all."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from plutarc.daemon.notifications import NotifyRuntime
from plutarc.daemon.service import DaemonService
from plutarc.keys.backends import FileBackend
from plutarc.keys.filebox import EncryptedKeyFile

SLOW_S = 2.0


class SlowChannels:
    def __init__(self) -> None:
        self.received = 0
        self.hung = 0

    async def _slow(self, request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(SLOW_S)
        self.received += 1
        return web.Response(text="ok")

    async def _hang(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.hung += 1  # accepts the connection, never answers
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
        writer.close()

    async def attach(self, service: DaemonService) -> Callable[[], Awaitable[None]]:
        runner = web.AppRunner(web.Application())
        runner.app.router.add_post("/{tail:.*}", self._slow)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        hang = await asyncio.start_server(self._hang, "127.0.0.1", 0)
        hang_port = hang.sockets[0].getsockname()[1]
        box = EncryptedKeyFile(Path(tempfile.mkdtemp(prefix="nbench")) / "keys.enc", 2**10)
        box.unlock("benchmark-passphrase")
        runtime = NotifyRuntime(service, FileBackend(box))
        n = runtime.notifier
        n.channels.add("slow", f"json://127.0.0.1:{port}/hook", "bench", 0)
        n.channels.add("dead", f"json://127.0.0.1:{hang_port}/hook", "bench", 0)
        n.matrix.update_settings({"max_per_hour": 1000, "timeout_s": 5.0})
        n.matrix.set(["slow", "dead"], "*", "*", "info")  # fills too: the heaviest load
        n.reload()
        runtime.start()

        async def detach() -> None:
            print(f"notifications: {self.received} delivered by the slow channel, "
                  f"{sum(runtime.notifier.pending().values())} still queued, "
                  f"{self.hung} connections to the dead one")
            await runtime.stop()
            hang.close()
            await runner.cleanup()

        return detach
