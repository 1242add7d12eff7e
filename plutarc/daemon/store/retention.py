"""Retention of the journal: events and decisions are pruned to the newest N, in small batches.

Both grow with every candle (a paper bot replaying at full speed writes thousands a second)
and were never pruned. Retention is by count, not age: a replay's decisions carry the
candles' historical times. Orders, fills, trades, positions, equity and the audit log are
never pruned here: they are the ledger. Each batch is its own short transaction, so the
order path never waits long for the writer lock; freed pages are reused by SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

from plutarc.storage.sqlite import Database

log = logging.getLogger(__name__)

BATCH_ROWS = 2_000
MAX_BATCHES_PER_PASS = 50  # at most 100,000 rows a pass; the rest waits for the next one


class JournalRetention:
    """Keeps the newest ``events_keep`` events and ``decisions_keep_per_bot`` decisions of
    each bot."""

    def __init__(self, db: Database, events_keep: int, decisions_keep_per_bot: int,
                 batch_rows: int = BATCH_ROWS) -> None:
        self.db = db
        self.events_keep = events_keep
        self.decisions_keep_per_bot = decisions_keep_per_bot
        self.batch_rows = batch_rows
        self.deleted = 0
        self._task: asyncio.Task[None] | None = None

    def _cutoff(self, sql: str, params: tuple[object, ...]) -> int | None:
        """The id of the oldest row kept, or None when there are no more rows than kept."""
        row = self.db.execute(sql, params).fetchone()
        return None if row is None else int(row[0])

    def _delete_batch(self, sql: str, params: tuple[object, ...]) -> int:
        with self.db.transaction():
            return self.db.execute(sql, params).rowcount

    def batches(self) -> list[tuple[str, tuple[object, ...]]]:
        """The deletes this pass needs, each removing at most one batch of rows."""
        todo: list[tuple[str, tuple[object, ...]]] = []
        cutoff = self._cutoff("SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?",
                              (self.events_keep,))
        if cutoff is not None:
            todo.append(("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id <= ? "
                         "ORDER BY id LIMIT ?)", (cutoff, self.batch_rows)))
        for (bot_id,) in self.db.execute("SELECT id FROM bots").fetchall():
            cutoff = self._cutoff("SELECT id FROM decisions WHERE bot_id = ? ORDER BY id DESC "
                                  "LIMIT 1 OFFSET ?", (bot_id, self.decisions_keep_per_bot))
            if cutoff is not None:
                todo.append(("DELETE FROM decisions WHERE id IN (SELECT id FROM decisions "
                             "WHERE bot_id = ? AND id <= ? ORDER BY id LIMIT ?)",
                             (bot_id, cutoff, self.batch_rows)))
        return todo

    def prune_once(self) -> int:
        """One pass, synchronously (tests, start-up): rows deleted."""
        deleted = 0
        for _ in range(MAX_BATCHES_PER_PASS):
            todo = self.batches()
            if not todo:
                break
            deleted += sum(self._delete_batch(sql, params) for sql, params in todo)
        self.deleted += deleted
        return deleted

    async def prune(self) -> int:
        """One pass on the event loop, yielding between batches; rows deleted."""
        deleted = 0
        try:
            for _ in range(MAX_BATCHES_PER_PASS):
                todo = self.batches()
                if not todo:
                    break
                for sql, params in todo:
                    deleted += self._delete_batch(sql, params)
                    await asyncio.sleep(0)  # the bots' writes go between our batches
        except sqlite3.Error as exc:  # e.g. a full disk: pruning waits for the next pass
            log.warning("journal retention pass stopped: %s", exc)
        self.deleted += deleted
        if deleted:
            log.info("journal retention: pruned %d old events and decisions", deleted)
        return deleted

    def start(self, interval_s: float) -> None:
        async def loop() -> None:
            while True:
                await self.prune()
                await asyncio.sleep(interval_s)

        self._task = asyncio.get_running_loop().create_task(loop(), name="journal-retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
