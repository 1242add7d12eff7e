"""The audit log: who changed what, when, with the before and after; append-only by trigger."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from plutarc.daemon.store._query import Where, recent_first_then_chronological
from plutarc.daemon.store.codec import json_text
from plutarc.daemon.store.records import AuditRecord
from plutarc.storage.sqlite import Database


def _audit(row: sqlite3.Row) -> AuditRecord:
    return AuditRecord(
        id=row["id"], ts_ms=row["ts_ms"], who=row["who"], action=row["action"],
        target=row["target"],
        before=None if row["before"] is None else json.loads(row["before"]),
        after=None if row["after"] is None else json.loads(row["after"]),
    )


class AuditLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    def append(
        self, who: str, ts_ms: int, action: str, target: str = "",
        before: Any = None, after: Any = None,
    ) -> AuditRecord:
        before_text = None if before is None else json_text(before)
        after_text = None if after is None else json_text(after)
        with self._db.transaction():
            cursor = self._db.execute(
                "INSERT INTO audit (ts_ms, who, action, target, before, after) "
                "VALUES (?,?,?,?,?,?)",
                (ts_ms, who, action, target, before_text, after_text),
            )
        return AuditRecord(
            id=int(cursor.lastrowid or 0), ts_ms=ts_ms, who=who, action=action, target=target,
            before=None if before_text is None else json.loads(before_text),
            after=None if after_text is None else json.loads(after_text),
        )

    def query(
        self, target: str | None = None, since_ms: int | None = None, limit: int = 100,
        who: str | None = None,
    ) -> list[AuditRecord]:
        where = (Where().maybe("target = ?", target).maybe("ts_ms >= ?", since_ms)
                 .maybe("who = ?", who))
        sql, params = recent_first_then_chronological(
            "SELECT * FROM audit", where, "id", since_ms is not None, limit
        )
        return [_audit(r) for r in self._db.execute(sql, params)]
