"""The one worker that follows the daemon's event stream and reconnects with backoff."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
from textual.message import Message

from plutarc.daemon.client import DaemonClient
from plutarc.errors import PlutarcError
from plutarc.tui.messages import DaemonDown, DaemonEvent, DaemonUp
from plutarc.tui.settings import TuiSettings


class Backoff:
    """Doubling waits from ``initial_s`` up to ``max_s``; ``reset()`` after a success."""

    def __init__(self, initial_s: float, max_s: float) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self._next_s = initial_s

    def next_delay(self) -> float:
        delay = self._next_s
        self._next_s = min(self._next_s * 2, self.max_s)
        return delay

    def reset(self) -> None:
        self._next_s = self.initial_s


async def follow_daemon(client: DaemonClient, settings: TuiSettings,
                        post: Callable[[Message], object]) -> None:
    """Forever: connect, replay what was missed (after_id), forward events; on loss, wait."""
    backoff = Backoff(settings.reconnect_initial_s, settings.reconnect_max_s)
    last_id: int | None = None
    while True:
        try:
            status = await client.status()
            if last_id is None or last_id > status.last_event_id:
                last_id = status.last_event_id  # first contact, or a daemon on a fresh database
            post(DaemonUp(status))
            backoff.reset()
            async for record in client.stream(after_id=last_id):
                last_id = record.id
                post(DaemonEvent(record))
            reason = "the daemon closed the event stream"
        except (PlutarcError, aiohttp.ClientError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
        delay = backoff.next_delay()
        post(DaemonDown(reason, delay))
        await asyncio.sleep(delay)
