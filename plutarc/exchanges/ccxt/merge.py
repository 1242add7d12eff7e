"""How one WebSocket stream of a ccxt venue is kept whole: the socket side and the REST
side feed one queue, each item once (see streams.py for the policy).

The socket side calls a ccxt.pro ``watch_*`` again after every failure, with exponential
backoff (ccxt then opens a new connection, authenticates and subscribes again); it counts
the stream up once the watch has stayed alive ``settle_s`` after a new connection (or
delivered), and asks the REST side for an immediate read on every change. The REST side
reads every ``rest_wait(up)`` seconds, and at once when asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from plutarc.errors import TemporaryError

if TYPE_CHECKING:
    from plutarc.exchanges.ccxt.streams import CcxtStreams

log = logging.getLogger("plutarc.exchanges.ccxt.streams")

T = TypeVar("T")


@dataclass
class Link:
    """One family of sockets (public market data or the private account) as the daemon
    sees it: ``connects`` grows on every (re)connect (the daemon reconciles on a change)."""

    name: str
    connects: int = 0
    drops: int = 0
    up: bool = False
    last_drop: str = ""  # why it last went down (the daemon's stream watch tells it)
    events: deque[str] = field(default_factory=lambda: deque(maxlen=100))

    def note(self, message: str, level: int = logging.INFO) -> None:
        self.events.append(message)
        log.log(level, message)

    def went_up(self, what: str) -> None:
        self.up = True
        self.connects += 1
        again = "reconnected" if self.drops else "connected"
        self.note(f"{what} stream {again} (socket #{self.connects}); catching up over REST")

    def went_down(self, what: str, exc: BaseException, was_up: bool, poll_s: float) -> None:
        self.drops += was_up
        self.up = False
        self.last_drop = f"{type(exc).__name__}: {exc}"
        self.note(f"{what} stream down ({type(exc).__name__}: {exc}); polling REST every "
                  f"{poll_s:g}s until it reconnects", logging.WARNING)


class Seen(Generic[T]):
    """A bounded insertion-ordered set (the oldest keys are forgotten first)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._keys: dict[Hashable, None] = {}
        self.limit = limit

    def add(self, key: Hashable) -> bool:
        """True when ``key`` is new."""
        if key in self._keys:
            return False
        self._keys[key] = None
        if len(self._keys) > self.limit:
            self._keys.pop(next(iter(self._keys)))
        return True


async def merged(streams: CcxtStreams, link: Link, what: str,
                 watch: Callable[[], Awaitable[list[T]]], rest: Callable[[], Awaitable[list[T]]],
                 key: Callable[[T], Hashable],
                 rest_wait: Callable[[bool], float]) -> AsyncIterator[T]:
    """Items from the socket and from REST, each key once, in arrival order."""
    merge = _Merge(streams, link, what, watch, rest, rest_wait)
    seen: Seen[T] = Seen()
    tasks = [asyncio.create_task(merge.socket_side(), name=f"ws-{what}"),
             asyncio.create_task(merge.rest_side(), name=f"rest-{what}")]
    for task in tasks:
        task.add_done_callback(merge.ended)
    try:
        while True:
            item = await merge.queue.get()
            if isinstance(item, BaseException):
                raise item
            if seen.add(key(item)):
                yield item
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class _Merge(Generic[T]):
    """The two sides of one stream feeding one queue."""

    def __init__(self, streams: CcxtStreams, link: Link, what: str,
                 watch: Callable[[], Awaitable[list[T]]],
                 rest: Callable[[], Awaitable[list[T]]],
                 rest_wait: Callable[[bool], float]) -> None:
        self.s, self.link, self.what = streams, link, what
        self.watch, self.rest, self.rest_wait = watch, rest, rest_wait
        self.queue: asyncio.Queue[T | BaseException] = asyncio.Queue()
        self.wake = asyncio.Event()  # asks the REST side to read now (a drop or a reconnect)
        self.up = False  # this stream's socket is subscribed

    def ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.queue.put_nowait(task.exception())  # type: ignore[arg-type]

    def _up(self) -> None:
        self.up = True
        self.link.went_up(f"{self.s.v.name} {self.what}")
        self.wake.set()  # catch up now: what happened while down (or before the start)

    async def socket_side(self) -> None:
        s = self.s
        delay = s.backoff_s[0]
        dropped_at = -1  # connections ccxt had opened when this side last went down
        failures = 0  # in a row: the first is told (a warning), the retries are not
        task: asyncio.Future[list[T]] | None = None
        while not s.closed:  # closed: the venue is done with its sockets
            if task is None:
                task = asyncio.ensure_future(self.watch())
            done, _ = await asyncio.wait({task}, timeout=None if self.up else s.settle_s)
            if not done:  # alive settle_s after a new connection: authenticated, subscribed
                if s._opened > dropped_at and s.connected():
                    self._up()
                    delay, failures = s.backoff_s[0], 0
                continue
            finished, task = task, None
            try:
                items = finished.result()
            except Exception as exc:  # ccxt's NetworkError, AuthenticationError...
                dropped_at = s._opened
                if self.up or not failures:
                    self.link.went_down(f"{s.v.name} {self.what}", exc, self.up, s.v.poll_s)
                    self.wake.set()  # read REST now: the socket may have taken items down
                else:
                    log.debug("%s %s: reconnect %d failed: %s", s.v.name, self.what,
                              failures, exc)
                self.up = False
                failures += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, s.backoff_s[1])
                continue
            if not self.up:
                self._up()
                delay, failures = s.backoff_s[0], 0
            for item in items:
                self.queue.put_nowait(item)

    async def rest_side(self) -> None:
        while True:
            self.wake.clear()  # before the read: a wake during it asks for another
            try:
                for item in await self.rest():
                    self.queue.put_nowait(item)
            except TemporaryError as exc:  # retried; a final error (a revoked key, a ban)
                # ends the stream as polling did, so the bot stops with it
                self.link.note(f"{self.s.v.name} {self.what}: REST read failed ({exc}); "
                               "retrying", logging.WARNING)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.rest_wait(self.up))
