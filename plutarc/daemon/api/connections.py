"""Connection limits of the API socket: a cap on open connections and a deadline for idle ones.

Without them a thousand clients that open the socket and never finish their headers held a
file descriptor each until the process ran out, and the API stopped answering. Now:

* a connection that has not sent a whole request within ``idle_timeout_s`` (and one idle
  that long between requests) is closed: aiohttp's keep-alive timer, which also runs from
  the moment of connecting;
* at most ``cap`` connections are open. A newcomer over the cap first evicts the oldest
  connection that has not sent a request yet (so the owner gets in during a flood of
  half-open connections); only when every connection is busy is the newcomer closed.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger(__name__)

FDS_PER_CONNECTION_BUDGET = 2  # half the descriptors for clients, half for the rest


def connection_cap(wanted: int) -> int:
    """``wanted``, lowered so clients can use at most half of the file descriptor limit."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(4, min(wanted, soft // FDS_PER_CONNECTION_BUDGET))


class _Refuse(asyncio.Protocol):
    """A connection over the cap: closed as soon as it is accepted."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class _Handler(RequestHandler):
    """aiohttp's handler, evictable even before asyncio has called ``connection_made``:
    one accept burst creates many handlers before any of them is connected."""

    __slots__ = ("evicted", "made")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.evicted = False
        self.made = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.made = True
        if self.evicted:
            transport.close()
            return
        super().connection_made(transport)

    def evict(self) -> None:
        self.evicted = True
        if self.made:
            self.force_close()


def _never_asked(handler: RequestHandler) -> bool:
    """Connected, but no whole request yet (the half-open kind a flood is made of)."""
    return (getattr(handler, "_request_count", 1) == 0
            and not getattr(handler, "_force_close", False))


class CappedServer:
    """A protocol factory around aiohttp's server that enforces the cap."""

    def __init__(self, server: web.Server, cap: int) -> None:
        self.server = server
        self.cap = cap
        self.refused = 0
        self.evicted = 0
        self._pending: list[_Handler] = []  # created, not connected yet

    def _candidates(self) -> list[RequestHandler]:
        """Open connections that never sent a request, oldest first."""
        self._pending = [h for h in self._pending if not h.made and not h.evicted]
        live = [h for h in self.server.connections if _never_asked(h)]
        return [*live, *self._pending]

    def open_count(self) -> int:
        live = sum(not getattr(h, "_force_close", False) for h in self.server.connections)
        return live + len([h for h in self._pending if not h.made and not h.evicted])

    def __call__(self) -> asyncio.Protocol:
        if self.open_count() >= self.cap:
            idle = self._candidates()
            if not idle:
                self.refused += 1
                log.warning("refused a connection: all %d connections are busy (the cap; "
                            "[daemon] max_connections)", self.cap)
                return _Refuse()
            oldest = idle[0]
            if isinstance(oldest, _Handler):
                oldest.evict()
            else:
                oldest.force_close()
            self.evicted += 1
        # what web.Server.__call__ does, with our handler class (aiohttp 3.9-3.14)
        handler = _Handler(self.server, loop=self.server._loop, **self.server._kwargs)
        self._pending.append(handler)
        return handler


class CappedUnixSite(web.UnixSite):
    """``web.UnixSite`` whose connections go through a ``CappedServer``."""

    def __init__(self, runner: web.AppRunner, path: str, cap: int) -> None:
        super().__init__(runner, path)
        self.cap = cap
        self.capped: CappedServer | None = None

    async def start(self) -> None:
        self._runner._reg_site(self)  # what BaseSite.start does; UnixSite's own binds uncapped
        server = self._runner.server
        assert server is not None
        self.capped = CappedServer(server, self.cap)
        self._server = await asyncio.get_running_loop().create_unix_server(
            self.capped, self._path, backlog=self._backlog)
