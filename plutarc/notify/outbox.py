"""Messages waiting for delivery, in SQLite: a restart of the daemon loses none of them."""

from __future__ import annotations

from dataclasses import dataclass

from plutarc.storage.sqlite import Database


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    channel: str
    kind: str
    severity: str
    title: str
    body: str
    created_ms: int
    attempts: int
    next_try_ms: int


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, channel: str, kind: str, severity: str, title: str, body: str,
            now_ms: int) -> int:
        with self.db.transaction():
            cur = self.db.execute(
                "INSERT INTO notify_outbox (channel, kind, severity, title, body, created_ms, "
                "next_try_ms) VALUES (?,?,?,?,?,?,?)",
                (channel, kind, severity, title, body, now_ms, now_ms))
        return int(cur.lastrowid or 0)

    def next_for(self, channel: str) -> Pending | None:
        """The oldest message of ``channel``: messages go out in order."""
        row = self.db.execute("SELECT * FROM notify_outbox WHERE channel = ? ORDER BY id "
                              "LIMIT 1", (channel,)).fetchone()
        return None if row is None else Pending(*tuple(row))  # columns in field order

    def channels(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT channel FROM notify_outbox")]

    def counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT channel, COUNT(*) FROM notify_outbox GROUP BY channel")}

    def done(self, message_id: int) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM notify_outbox WHERE id = ?", (message_id,))

    def retry_later(self, message_id: int, attempts: int, next_try_ms: int) -> None:
        with self.db.transaction():
            self.db.execute("UPDATE notify_outbox SET attempts = ?, next_try_ms = ? WHERE id = ?",
                            (attempts, next_try_ms, message_id))

    def drop_older(self, cutoff_ms: int) -> int:
        with self.db.transaction():
            cur = self.db.execute("DELETE FROM notify_outbox WHERE created_ms < ?", (cutoff_ms,))
        return cur.rowcount
