"""The heartbeat watchdog and the restart budget: hung workers are noticed, errored, restarted.

A worker must heartbeat at least every interval. The watchdog looks once per interval and
counts the looks that found no new heartbeat; after ``stale_beats`` (3) such looks in a row
the bot is hung. Looks are counted rather than wall time compared, so a daemon whose event
loop was itself held up (a slow disk, a busy host) does not blame its bots: a look that
comes late forgives the silence before it. Heartbeats are counted, not timed, so a manual
test clock works too.

A hang (or a crash the error policy calls transient) is restarted with backoff, at most
``max_restarts`` times within ``window_beats`` intervals; after that, or when the bot is
held for an operator, it stays errored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from plutarc.daemon.lifecycle import BotState

log = logging.getLogger(__name__)

MIN_LOOK_S = 0.5
"""Looks are at least this far apart: below it (test settings) scheduler jitter alone could
pass for three missed heartbeats. At any real interval (the default is 5 s) it is moot."""

WATCHED = frozenset({BotState.ONLINE, BotState.PAUSED, BotState.SLEEPING})
"""Deploying is not watched: connecting and warming up may legitimately take longer."""


def stale_looks(interval_s: float, hung_after_s: float, stale_beats: int = 3) -> int:
    """Silent looks before a bot is hung: ``stale_beats``, and at least ``hung_after_s`` of
    silence, so a worker waiting on one slow venue call (an order timeout) is not hung."""
    return max(stale_beats, math.ceil(hung_after_s / max(interval_s, MIN_LOOK_S)))


class Watched(Protocol):
    """What the watchdog needs of a running bot (the supervisor's BotHandle)."""

    stop_requested: bool

    @property
    def state(self) -> BotState: ...

    @property
    def beats(self) -> int: ...


@dataclass(eq=False)
class _Look:
    beats: int
    misses: int = 0


class HeartbeatWatchdog:
    """Calls ``on_stale(handle, silent_s)`` once for a running bot that stopped heartbeating."""

    def __init__(self, interval_s: float, handles: Callable[[], Iterable[Watched]],
                 on_stale: Callable[[Watched, float], None], stale_beats: int = 3) -> None:
        self.interval_s = max(interval_s, MIN_LOOK_S)
        self.stale_beats = stale_beats
        self._handles = handles
        self._on_stale = on_stale
        self._looks: dict[int, _Look] = {}
        self._task: asyncio.Task[None] | None = None

    def look(self, late: bool = False) -> None:
        """One look at every bot; ``late`` when this look came a whole interval late."""
        seen: dict[int, _Look] = {}
        for handle in list(self._handles()):
            key = id(handle)
            previous = self._looks.get(key)
            if handle.stop_requested or handle.state not in WATCHED:
                continue
            if previous is None or previous.beats != handle.beats or late:
                seen[key] = _Look(handle.beats)
                continue
            previous.misses += 1
            seen[key] = previous
            if previous.misses >= self.stale_beats:
                del seen[key]
                self._on_stale(handle, previous.misses * self.interval_s)
        self._looks = seen

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.interval_s
            await asyncio.sleep(self.interval_s)
            try:
                self.look(late=loop.time() - due > self.interval_s)
            except Exception:  # the watchdog must outlive any one bad look
                log.exception("heartbeat watchdog look failed")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="heartbeat-watchdog")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


@dataclass
class RestartBudget:
    """At most ``max_restarts`` automatic restarts of one bot within ``window_s``; the
    n-th waits ``first_delay_s * 2**n`` (capped)."""

    first_delay_s: float
    window_s: float
    max_restarts: int = 3
    cap_s: float = 60.0
    _at: dict[str, list[float]] = field(default_factory=dict)

    def take(self, bot_id: str, now_s: float) -> float | None:
        """The delay before the next restart, or None when the budget is spent."""
        recent = [t for t in self._at.get(bot_id, []) if now_s - t < self.window_s]
        if len(recent) >= self.max_restarts:
            self._at[bot_id] = recent
            return None
        delay = min(self.cap_s, self.first_delay_s * 2 ** len(recent))
        self._at[bot_id] = [*recent, now_s]
        return delay

    def used(self, bot_id: str) -> int:
        return len(self._at.get(bot_id, []))

    def forget(self, bot_id: str) -> None:
        """An operator started the bot: its budget starts afresh."""
        self._at.pop(bot_id, None)
