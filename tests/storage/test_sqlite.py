"""The generic SQLite helper: pragmas, numbered migrations, refusing newer databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from plutarc.errors import ConfigError
from plutarc.storage.sqlite import open_database, split_statements

V1 = (1, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);")
V2 = (2, "ALTER TABLE items ADD COLUMN price TEXT NOT NULL DEFAULT '0';"
         "CREATE INDEX items_name ON items (name);")


def test_new_database_gets_wal_foreign_keys_busy_timeout_and_all_migrations(tmp_path: Path):
    db = open_database(tmp_path / "a.db", [V1, V2], busy_timeout_ms=1234)

    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    assert db.schema_version == 2
    versions = db.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert versions == [(1,), (2,)]


def test_old_database_is_migrated_and_keeps_its_rows(tmp_path: Path):
    path = tmp_path / "a.db"
    old = open_database(path, [V1])
    with old.transaction():
        old.execute("INSERT INTO items (name) VALUES ('kept')")
    old.close()

    db = open_database(path, [V1, V2])

    assert db.schema_version == 2
    assert db.execute("SELECT name, price FROM items").fetchall() == [("kept", "0")]


def test_reopening_applies_nothing_twice(tmp_path: Path):
    open_database(tmp_path / "a.db", [V1, V2]).close()
    db = open_database(tmp_path / "a.db", [V1, V2])
    assert db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 2


def test_database_newer_than_the_code_is_refused_clearly(tmp_path: Path):
    open_database(tmp_path / "a.db", [V1, V2]).close()
    with pytest.raises(ConfigError, match=r"newer plutarc \(schema version 2; this version knows "
                                          r"up to 1\): upgrade plutarc"):
        open_database(tmp_path / "a.db", [V1])


def test_failed_migration_leaves_the_previous_version_whole(tmp_path: Path):
    path = tmp_path / "a.db"
    open_database(path, [V1]).close()
    broken = (2, "CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);")

    with pytest.raises(ConfigError, match="migration 2 failed: no such table: nowhere"):
        open_database(path, [V1, broken])

    db = open_database(path, [V1])
    assert db.schema_version == 1
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None


def test_migrations_must_be_numbered_from_one_without_gaps(tmp_path: Path):
    with pytest.raises(ValueError, match=r"numbered 1..n in order, got \[1, 3\]"):
        open_database(tmp_path / "a.db", [V1, (3, "SELECT 1;")])


def test_a_file_that_is_not_a_database_is_a_config_error(tmp_path: Path):
    path = tmp_path / "a.db"
    path.write_bytes(b"definitely not sqlite, just some text that is long enough" * 20)
    with pytest.raises(ConfigError, match="not a usable SQLite database"):
        open_database(path, [V1])


def test_trigger_bodies_are_not_split_at_their_inner_semicolons():
    sql = """
    CREATE TABLE t (x INTEGER);
    CREATE TRIGGER t_guard BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no'); END;
    INSERT INTO t VALUES (1);
    """
    statements = split_statements(sql)
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_transactions_nest_and_roll_back_whole(tmp_path: Path):
    db = open_database(tmp_path / "a.db", [V1])
    with pytest.raises(RuntimeError), db.transaction():
        db.execute("INSERT INTO items (name) VALUES ('outer')")
        with db.transaction():
            db.execute("INSERT INTO items (name) VALUES ('inner')")
        raise RuntimeError("boom")
    assert db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0

    with db.transaction(durable=True):
        db.execute("INSERT INTO items (name) VALUES ('durable')")
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # back to NORMAL
    assert db.execute("SELECT name FROM items").fetchall() == [("durable",)]


def test_a_second_connection_sees_committed_writes(tmp_path: Path):
    path = tmp_path / "a.db"
    writer = open_database(path, [V1])
    with writer.transaction():
        writer.execute("INSERT INTO items (name) VALUES ('x')")
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT name FROM items").fetchall() == [("x",)]
    reader.close()


@pytest.mark.parametrize("fsync, level_inside", [(True, 2), (False, 1)])
def test_a_durable_transaction_waits_for_the_disk_only_when_asked(
        tmp_path: Path, fsync: bool, level_inside: int):
    db = open_database(tmp_path / "d.db", (V1,))
    db.fsync_durable = fsync
    with db.transaction(durable=True):
        inside = db.execute("PRAGMA synchronous").fetchone()[0]  # 2 = FULL, 1 = NORMAL
    assert inside == level_inside
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # back to NORMAL after
