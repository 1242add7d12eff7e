"""WAL checkpoints off the order path.

SQLite's automatic checkpoint runs inside whichever commit crosses the WAL threshold and
fsyncs the database file there: a few milliseconds added to a random order intent. The
daemon turns it off on its own connection and checkpoints from a thread, on a separate
connection, every few seconds. A PASSIVE checkpoint never blocks our writer.

A passive checkpoint never restarts the WAL itself: the writer does, at its next
transaction, and only if a checkpoint had copied every frame before that transaction
began. Under a steady stream of commits (20 paper bots replaying at full speed commit every
few hundred microseconds) one always lands while the checkpoint runs, so the WAL was never
restarted: 6.9 GB on disk after a 7-day replay, and its index (8 bytes a frame, mapped into
the daemon) 13 MB of resident memory. Past ``max_wal_frames`` a second passive pass copies
what was committed during the first, then a RESTART checkpoint waits for the commit in
progress, copies the few frames left and makes the next commit write the WAL from its
start. Our writer waits for that last step (measured 5-14 ms, lock wait included, at full
speed; TRUNCATE, which also shrinks the file, took ~250 ms), once per interval and only
while the WAL is that large, which paced (real-time) bots never reach. The WAL file keeps
its high-water mark (one interval of writes) and is reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

MAX_WAL_FRAMES = 16_384
"""WAL frames (64 MiB at SQLite's 4 KiB pages) past which a checkpoint restarts the WAL."""
RESTART_WAIT_S = 0.2
"""How long the restarting pass waits for the writer and readers before trying next time."""
FAST_INTERVAL_S = 0.25
"""The pause between passes while the WAL is over half ``max_wal_frames``: one bot replaying
at full speed wrote ~50 MB/s, so a 5 s interval let the WAL reach 644 MB in 12 s."""
WAL_SIZE_LIMIT_BYTES = MAX_WAL_FRAMES * 4096
"""``journal_size_limit`` for the writer: when the WAL restarts, its file is cut back to this
(it otherwise keeps its high-water mark on disk)."""


class Checkpointer:
    def __init__(self, path: Path, interval_s: float = 5.0,
                 max_wal_frames: int = MAX_WAL_FRAMES,
                 restart_wait_s: float = RESTART_WAIT_S) -> None:
        self.path = path
        self.interval_s = interval_s
        self.max_wal_frames = max_wal_frames
        self.restart_wait_s = restart_wait_s
        self.runs = 0
        self.restarts = 0  # checkpoints that restarted an oversized WAL
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="sqlite-checkpoint")

    def next_delay_s(self, result: tuple[int, int, int] | None) -> float:
        """The interval, or FAST_INTERVAL_S while the WAL is over half its cap."""
        if result is not None and result[1] > self.max_wal_frames // 2:
            return min(self.interval_s, FAST_INTERVAL_S)
        return self.interval_s

    async def _loop(self) -> None:
        delay = self.interval_s
        while True:
            await asyncio.sleep(delay)
            delay = self.next_delay_s(await self.checkpoint())

    async def checkpoint(self) -> tuple[int, int, int] | None:
        """(busy, WAL frames, frames checkpointed) of the last pass, or None if it could not
        run."""
        try:
            result, restarted = await asyncio.to_thread(
                _checkpoint, self.path, self.max_wal_frames, self.restart_wait_s
            )
        except sqlite3.Error as exc:
            log.warning("WAL checkpoint of %s failed: %s", self.path, exc)
            return None
        self.runs += 1
        self.restarts += restarted
        return result

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.checkpoint()  # leave a short WAL behind


def _checkpoint(
    path: Path, max_wal_frames: int, restart_wait_s: float
) -> tuple[tuple[int, int, int], bool]:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=5.0)
    try:
        row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        result = int(row[0]), int(row[1]), int(row[2])
        if result[1] <= max_wal_frames:
            return result, False
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # what came in meanwhile, unblocked
        conn.execute(f"PRAGMA busy_timeout={int(restart_wait_s * 1000)}")
        row = conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        result = int(row[0]), int(row[1]), int(row[2])
        return result, result[0] == 0
    finally:
        conn.close()
