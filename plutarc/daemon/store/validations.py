"""Template validations: a template version passed the promotion gate (issue 20). Rows are
only ever added; the newest row of a version is the one shown."""

from __future__ import annotations

import sqlite3
from typing import Any

from pydantic import BaseModel

from plutarc.daemon.store.codec import json_text, text_json
from plutarc.storage.sqlite import Database


class ValidationRecord(BaseModel):
    id: int
    name: str
    version: int
    walkforward_id: int
    template_hash: str
    who: str
    ts_ms: int
    figures: list[dict[str, Any]]  # one check per threshold: figure, limit, passed
    thresholds: dict[str, Any]


def _record(row: sqlite3.Row) -> ValidationRecord:
    return ValidationRecord(id=row["id"], name=row["name"], version=row["version"],
                            walkforward_id=row["walkforward_id"],
                            template_hash=row["template_hash"], who=row["who"],
                            ts_ms=row["ts_ms"], figures=text_json(row["figures"]),
                            thresholds=text_json(row["thresholds"]))


class ValidationTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, name: str, version: int, walkforward_id: int, template_hash: str, who: str,
            ts_ms: int, figures: list[dict[str, Any]],
            thresholds: dict[str, Any]) -> ValidationRecord:
        cur = self._db.execute(
            "INSERT INTO template_validations (name, version, walkforward_id, template_hash,"
            " who, ts_ms, figures, thresholds) VALUES (?,?,?,?,?,?,?,?)",
            (name, version, walkforward_id, template_hash, who, ts_ms, json_text(figures),
             json_text(thresholds)))
        return ValidationRecord(id=int(cur.lastrowid or 0), name=name, version=version,
                                walkforward_id=walkforward_id, template_hash=template_hash,
                                who=who, ts_ms=ts_ms, figures=figures, thresholds=thresholds)

    def latest(self, name: str, version: int) -> ValidationRecord | None:
        row = self._db.execute(
            "SELECT * FROM template_validations WHERE name = ? AND version = ?"
            " ORDER BY id DESC LIMIT 1", (name, version)).fetchone()
        return _record(row) if row else None

    def validated_versions(self, name: str) -> set[int]:
        rows = self._db.execute(
            "SELECT DISTINCT version FROM template_validations WHERE name = ?", (name,))
        return {int(r["version"]) for r in rows}
