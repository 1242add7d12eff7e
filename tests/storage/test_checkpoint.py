"""Checkpoints from a thread on their own connection, while our writer keeps committing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from plutarc.storage.checkpoint import Checkpointer
from plutarc.storage.sqlite import open_database

SCHEMA = (1, "CREATE TABLE rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);")


async def test_a_passive_checkpoint_moves_the_wal_into_the_database(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    db = open_database(path, (SCHEMA,))
    db.execute("PRAGMA wal_autocheckpoint=0")
    for i in range(300):
        with db.transaction():
            db.execute("INSERT INTO rows (payload) VALUES (?)", ("x" * 500 + str(i),))
    assert path.with_name("d.db-wal").stat().st_size > 100_000  # nothing checkpointed yet
    checkpointer = Checkpointer(path, interval_s=0.05)
    checkpointer.start()
    for i in range(50):  # the writer goes on while checkpoints run
        with db.transaction():
            db.execute("INSERT INTO rows (payload) VALUES (?)", (str(i),))
        await asyncio.sleep(0.005)
    await checkpointer.stop()
    assert checkpointer.runs >= 2
    busy, frames, done = await checkpointer.checkpoint()
    assert busy == 0 and frames == done  # every frame is in the database file
    assert db.execute("SELECT COUNT(*) FROM rows").fetchone()[0] == 350
    db.close()


async def test_a_missing_database_is_reported_not_raised(tmp_path: Path) -> None:
    checkpointer = Checkpointer(tmp_path / "no" / "such.db")
    assert await checkpointer.checkpoint() is None
