"""The one worker that follows the daemon's event stream and reconnects with backoff.

Through ssh the worker also brings the tunnel back (``Tunnel.ensure``) before each attempt, and
lets the tunnel word the banner, so it says "ssh is down, reconnecting" rather than blaming a
daemon that is fine.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

import aiohttp
from textual.message import Message

from plutarc.daemon.client import DaemonClient
from plutarc.errors import PlutarcError
from plutarc.tui.messages import DaemonDown, DaemonEvent, DaemonUp
from plutarc.tui.settings import TuiSettings

T = TypeVar("T")


class Tunnel(Protocol):
    """How the daemon's socket is reached when it is not on this machine (see tui.ssh)."""

    def ensure(self) -> None:
        """Bring the link up if it is down (blocking); raise PlutarcError if it cannot be."""

    def explain(self, reason: str) -> str:
        """The banner's words for a daemon that did not answer (blocking)."""


async def in_thread(call: Callable[[], T]) -> T:
    """``call()`` in a daemon thread: a reconnect that hangs must not hold up quitting the TUI
    (asyncio.to_thread's executor is waited for when the loop closes)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # the awaiting task was cancelled
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]  # T when error is None

    def run() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = call()
        except BaseException as exc:  # handed to the awaiting task
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: the TUI has quit
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="plutarc-tunnel", daemon=True).start()
    return await future


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
    tunnel = settings.tunnel
    while True:
        try:
            if tunnel is not None:
                await in_thread(tunnel.ensure)
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
        if tunnel is not None:
            reason = await in_thread(functools.partial(tunnel.explain, reason))
        else:
            reason = f"daemon unreachable: {reason}"
        post(DaemonDown(reason, delay))
        await asyncio.sleep(delay)
