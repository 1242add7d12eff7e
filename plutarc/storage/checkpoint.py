"""WAL checkpoints off the order path.

SQLite's automatic checkpoint runs inside whichever commit crosses the WAL threshold and
fsyncs the database file there: a few milliseconds added to a random order intent. The
daemon turns it off on its own connection and checkpoints from a thread, on a separate
connection, every few seconds. A PASSIVE checkpoint never blocks our writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)


class Checkpointer:
    def __init__(self, path: Path, interval_s: float = 5.0) -> None:
        self.path = path
        self.interval_s = interval_s
        self.runs = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="sqlite-checkpoint")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.checkpoint()

    async def checkpoint(self) -> tuple[int, int, int] | None:
        """(busy, WAL frames, frames checkpointed), or None if it could not run."""
        try:
            result = await asyncio.to_thread(_passive_checkpoint, self.path)
        except sqlite3.Error as exc:
            log.warning("WAL checkpoint of %s failed: %s", self.path, exc)
            return None
        self.runs += 1
        return result

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.checkpoint()  # leave a short WAL behind


def _passive_checkpoint(path: Path) -> tuple[int, int, int]:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=5.0)
    try:
        row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])
    finally:
        conn.close()
