"""SQLite databases opened with WAL, foreign keys, a busy timeout and numbered migrations.

A module that owns a schema supplies its migrations as ordered ``(version, sql)`` pairs,
starting at 1 with no gaps. ``open_database`` applies the missing ones, each in its own
``BEGIN IMMEDIATE`` transaction that also records the version in ``schema_version``, so a
crash mid-migration leaves the database at the previous version, never half-way.
A database newer than the code is refused: an old plutarc must not write a newer schema.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from plutarc.errors import ConfigError, DiskFull

Migration = tuple[int, str]

_SCHEMA_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    applied_ms INTEGER NOT NULL
)
"""


class Database:
    """One connection for one thread; ``transaction()`` nests (inner blocks join the outer).

    ``fsync_durable``: whether a durable transaction (an order intent, journaled before it is
    sent) waits for the disk. Without it the commit is in the OS before the order leaves,
    which survives any crash of our process; only a power loss or kernel crash could lose
    the last commits, and those orders are found again at the venue by their client ids.
    With it every order also waits for the disk's fsync (often 1-10 ms on a shared VPS).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | str,
                 fsync_durable: bool = True) -> None:
        self.conn = conn
        self.path = path
        self.fsync_durable = fsync_durable
        self._depth = 0

    def execute(
        self, sql: str, params: Sequence[object] | dict[str, object] = ()
    ) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    @contextmanager
    def transaction(self, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """Group writes into one commit; ``durable`` fsyncs this commit (order intents)."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        durable = durable and self.fsync_durable
        if durable:
            self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        changes_before = self.conn.total_changes
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            if self.conn.in_transaction:  # SQLITE_FULL may have rolled it back already
                self.conn.execute("ROLLBACK")
            raise
        else:
            self._depth = 0
            try:
                if (_DISK_FULL_FLAG is not None and self.conn.total_changes != changes_before
                        and _disk_full_rehearsed()):
                    raise sqlite3.OperationalError(_REHEARSAL)
                self.conn.execute("COMMIT")
            except sqlite3.Error:  # e.g. the disk filled up: never leave it open
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
        finally:
            if durable:
                self.conn.execute("PRAGMA synchronous=NORMAL")

    @property
    def schema_version(self) -> int:
        return _current_version(self.conn)

    def close(self) -> None:
        self.conn.close()


def check_migrations(migrations: Sequence[Migration]) -> None:
    """Versions must run 1, 2, 3 ... with no gap or repeat: anything else is a programming error."""
    versions = [version for version, _ in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 1..n in order, got {versions}")


def split_statements(sql: str) -> list[str]:
    """Split a script into statements; trigger bodies (``BEGIN ... END;``) stay whole."""
    statements: list[str] = []
    buffer = ""
    for piece in sql.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\r\n;"):
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip(" \t\r\n;"):
        raise ValueError(f"incomplete SQL statement at the end of a migration: {buffer.strip()!r}")
    return statements


def _current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def _refuse_newer(path: Path | str, current: int, latest: int) -> None:
    if current > latest:
        raise ConfigError(
            f"{path} was written by a newer plutarc (schema version {current}; this version "
            f"knows up to {latest}): upgrade plutarc, or restore a backup made before the upgrade"
        )


def _apply(conn: sqlite3.Connection, path: Path | str, migrations: Sequence[Migration]) -> None:
    latest = migrations[-1][0] if migrations else 0
    conn.execute(_SCHEMA_VERSION_TABLE)
    current = _current_version(conn)
    _refuse_newer(path, current, latest)
    for version, sql in migrations:
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated meanwhile.
            current = _current_version(conn)
            _refuse_newer(path, current, latest)
            if version > current:
                for statement in split_statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, applied_ms) VALUES (?, ?)",
                    (version, time.time_ns() // 1_000_000),
                )
                current = version
            conn.execute("COMMIT")
        except ConfigError:
            conn.execute("ROLLBACK")
            raise
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise ConfigError(f"{path}: migration {version} failed: {exc}") from exc


DISK_FULL_ENV = "PLUTARC_DISK_FULL_FILE"
"""Rehearse a full disk (tests, drills): while the file this names exists, every transaction
that wrote something fails at its commit as SQLite does on a full disk (SQLITE_FULL) and
writes nothing, and no database opens. Read once at import; off unless set."""
_DISK_FULL_FLAG = os.environ.get(DISK_FULL_ENV) or None
_REHEARSAL = "database or disk is full (rehearsed: the file named by PLUTARC_DISK_FULL_FILE exists)"


def _disk_full_rehearsed() -> bool:
    return _DISK_FULL_FLAG is not None and os.path.exists(_DISK_FULL_FLAG)


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL ("database or disk is full"), or the OS's ENOSPC/EDQUOT."""
    if isinstance(exc, sqlite3.Error):
        return (getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                or "database or disk is full" in str(exc))
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def make_private(path: Path) -> None:
    """The database file is its user's alone (0600), created so if new; SQLite gives its WAL
    and shared-memory files the database file's mode, and any already there are fixed too."""
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError):
            if name.stat().st_mode & 0o077:
                os.chmod(name, 0o600)


def open_database(
    path: Path | str,
    migrations: Sequence[Migration],
    *,
    busy_timeout_ms: int = 5000,
) -> Database:
    """Open (creating if needed) and migrate ``path``; ``":memory:"`` works for tests."""
    check_migrations(migrations)
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            make_private(path)
        except OSError as exc:
            if is_disk_full(exc):
                raise DiskFull(f"cannot open database {path}: the disk is full "
                               f"({_free(path)} free); free some space and start again") from None
            raise ConfigError(f"cannot open database {path}: {exc}") from exc
    try:
        # Autocommit mode: transactions are explicit, so we control exactly what groups.
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=True)
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot open database {path}: {exc}") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a process crash; durable transactions ask for FULL.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        if _disk_full_rehearsed():
            raise sqlite3.OperationalError(_REHEARSAL)
        _apply(conn, path, migrations)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if is_disk_full(exc):
            raise DiskFull(f"cannot open database {path}: the disk is full "
                           f"({_free(path)} free); free some space and start again") from None
        raise ConfigError(f"{path} is not a usable SQLite database: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return Database(conn, path)


def _free(path: Path | str) -> str:
    try:
        usage = shutil.disk_usage(Path(path).parent)
    except OSError:
        return "unknown space"
    return f"{usage.free / 1e6:.1f} MB"
