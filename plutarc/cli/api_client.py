"""Run one API call from a synchronous CLI command against this home's daemon."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from plutarc.paths import resolve_paths

if TYPE_CHECKING:
    from plutarc.daemon.client import DaemonClient

T = TypeVar("T")


def call(fn: Callable[[DaemonClient], Awaitable[T]], timeout_s: float = 15.0) -> T:
    """``call(lambda c: c.list_bots())``; no daemon -> DaemonNotRunning (exit 3).

    $PLUTARC_TOKEN, when set, is sent as the access token (see 'plutarc access grant')."""
    from plutarc.daemon.client import DaemonClient  # aiohttp loads only when a command needs it

    socket_path = resolve_paths().socket

    async def main() -> T:
        async with DaemonClient(socket_path, timeout_s=timeout_s,
                                token=os.environ.get("PLUTARC_TOKEN") or None) as client:
            return await fn(client)

    return asyncio.run(main())
