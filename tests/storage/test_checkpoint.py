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


def _writer(path: Path):
    db = open_database(path, (SCHEMA,))
    db.execute("PRAGMA wal_autocheckpoint=0")
    return db


def _wal_bytes(path: Path) -> int:
    return path.with_name(path.name + "-wal").stat().st_size


async def test_only_a_wal_past_the_limit_is_restarted(tmp_path: Path):
    path = tmp_path / "d.db"
    db = _writer(path)
    for i in range(40):
        with db.transaction():
            db.execute("INSERT INTO rows (payload) VALUES (?)", ("x" * 3000 + str(i),))
    small = Checkpointer(path, max_wal_frames=10_000)
    busy, frames, done = await small.checkpoint()
    assert busy == 0 and frames == done > 40 and small.restarts == 0
    big = Checkpointer(path, max_wal_frames=10)
    assert (await big.checkpoint())[0] == 0 and big.restarts == 1
    assert db.execute("SELECT COUNT(*) FROM rows").fetchone()[0] == 40
    db.close()


async def test_commits_that_always_overlap_the_checkpoint_cannot_grow_the_wal(tmp_path: Path):
    """The writer restarts the WAL only when a checkpoint finished before its transaction
    began. Here every checkpoint runs while a transaction is open, as under a full-speed
    replay: passive checkpoints alone would let the WAL file grow round after round."""
    path = tmp_path / "d.db"
    db = _writer(path)
    checkpointer = Checkpointer(path, max_wal_frames=5, restart_wait_s=30.0)
    sizes = []
    for i in range(15):
        with db.transaction():
            for k in range(10):
                db.execute("INSERT INTO rows (payload) VALUES (?)", ("y" * 3000 + f"{i}.{k}",))
            running = asyncio.create_task(checkpointer.checkpoint())
            await asyncio.sleep(0.05)  # the passive pass runs while this transaction is open
        await running  # the restarting pass waited for the commit above
        sizes.append(_wal_bytes(path))
    # A pass sees only committed frames: one round's commit is past the limit at the next
    # round's checkpoint, after which the WAL is written from its start again. Passive
    # passes alone: F, 2F, 3F, ...
    assert checkpointer.restarts >= 7
    assert sizes[0] > 0 and max(sizes) < 3 * sizes[0]
    assert db.execute("SELECT COUNT(*) FROM rows").fetchone()[0] == 150
    db.close()
