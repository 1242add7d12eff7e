"""Safety actions first, their record when the disk allows.

A full disk must not take the kill switch away: the kill switch, flatten, pause and stop act
on the bots in memory whatever happens, then write their state, audit rows and events; a
write the disk refuses is named in ``notes`` (and in the daemon log) instead of failing the
action, and queued: ``PendingRecords`` writes it as soon as the disk has room, so a restart
does not bring back a bot the operator had paused. Any other error still propagates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from plutarc.storage.sqlite import is_disk_full

log = logging.getLogger(__name__)

RETRY_INTERVAL_S = 5.0
MAX_PENDING = 10_000  # a queue that could itself fill memory is not a fix


@dataclass(frozen=True)
class Pending:
    what: str
    write: Callable[[], object]


class PendingRecords:
    """Writes a full disk refused, retried in order until the disk takes them."""

    def __init__(self) -> None:
        self.queue: deque[Pending] = deque(maxlen=MAX_PENDING)
        self._task: asyncio.Task[None] | None = None

    def add(self, what: str, write: Callable[[], object]) -> None:
        self.queue.append(Pending(what, write))

    def flush(self) -> int:
        """Write what can be written now, in order; how many were written."""
        written = 0
        while self.queue:
            pending = self.queue[0]
            try:
                pending.write()
            except Exception as exc:
                if is_disk_full(exc):
                    return written  # still full: keep the order, try again later
                log.error("dropped a late record (%s): %s", pending.what, exc)
            else:
                written += 1
                log.warning("recorded late, the disk has room again: %s", pending.what)
            self.queue.popleft()
        return written

    def start(self, interval_s: float = RETRY_INTERVAL_S) -> None:
        async def loop() -> None:
            while True:
                await asyncio.sleep(interval_s)
                self.flush()

        self._task = asyncio.get_running_loop().create_task(loop(), name="pending-records")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.flush()


PENDING = PendingRecords()
"""The daemon's queue (one per process, like its one database)."""


@contextmanager
def if_recordable(notes: list[str], what: str,
                  retry: Callable[[], object] | None = None) -> Iterator[None]:
    """Run the block; when the disk is full, add ``what`` to ``notes``, queue ``retry`` (the
    same write, to run once the disk has room) and carry on."""
    try:
        yield
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        notes.append(what)
        if retry is not None:
            PENDING.add(what, retry)
        log.critical("not recorded, the disk is full: %s (%s)", what, exc)


def not_recorded_message(action: str, notes: list[str]) -> str:
    return (f"{action} done, but the disk is full and this was not recorded yet: "
            f"{'; '.join(notes)}; it is written as soon as there is space again")
