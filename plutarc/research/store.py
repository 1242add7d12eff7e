"""Research results in SQLite: one row per sweep, one per variant with its metrics, template
hash and data fingerprint. A variant is written when it finishes, so a killed sweep resumes
where it stopped and no variant is computed twice."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plutarc.errors import UsageError
from plutarc.storage.sqlite import Database, open_database

MIGRATIONS = [
    (1, """
    CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_ms INTEGER NOT NULL,
        sweep_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        template_name TEXT NOT NULL,
        template_hash TEXT NOT NULL,
        data_source TEXT NOT NULL,
        data_fingerprint TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        total INTEGER NOT NULL
    );
    CREATE TABLE variants (
        sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        params_key TEXT NOT NULL,
        status TEXT NOT NULL,
        message TEXT NOT NULL,
        template_hash TEXT NOT NULL,
        data_fingerprint TEXT NOT NULL,
        metrics_json TEXT NOT NULL,
        score REAL,
        duration_s REAL NOT NULL,
        created_ms INTEGER NOT NULL,
        data_first_ms INTEGER NOT NULL,
        data_last_ms INTEGER NOT NULL,
        PRIMARY KEY (sweep_id, params_key)
    );
    CREATE TABLE walkforwards (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_ms INTEGER NOT NULL,
        template_name TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        report_json TEXT NOT NULL
    );
    """),
    # 2: a walk-forward names the template version it ran (the hash of its TOML), so the
    # promotion gate can refuse to validate another version with it.
    (2, """
    ALTER TABLE walkforwards ADD COLUMN template_hash TEXT NOT NULL DEFAULT '';
    """),
]

OK, INVALID = "ok", "invalid"


@dataclass
class VariantRow:
    seq: int
    params: dict[str, Any]
    status: str  # ok | invalid
    message: str
    template_hash: str
    data_fingerprint: str
    metrics: dict[str, Any]
    score: float | None
    duration_s: float
    first_ms: int = 0  # open time of the first and last bar the variant's run loaded
    last_ms: int = 0

    @property
    def key(self) -> str:
        return json.dumps(self.params, sort_keys=True, separators=(",", ":"))


class ResearchStore:
    def __init__(self, path: Path | str) -> None:
        self.db: Database = open_database(path, MIGRATIONS)

    def close(self) -> None:
        self.db.close()

    def open_sweep(self, key: str, kind: str, template_name: str, template_hash: str,
                   data_source: str, fingerprint: str, spec: dict[str, Any],
                   total: int) -> tuple[int, bool]:
        """(sweep id, resumed): the sweep with this key, or a new one."""
        row = self.db.execute("SELECT id FROM sweeps WHERE sweep_key = ?", (key,)).fetchone()
        if row:
            return int(row[0]), True
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO sweeps (created_ms, sweep_key, kind, template_name, template_hash,"
                " data_source, data_fingerprint, spec_json, total) VALUES (?,?,?,?,?,?,?,?,?)",
                (int(time.time() * 1000), key, kind, template_name, template_hash, data_source,
                 fingerprint, json.dumps(spec, sort_keys=True, default=str), total))
            return int(cur.lastrowid), False

    def record(self, sweep_id: int, row: VariantRow) -> bool:
        """Store a finished variant; False if it was already stored (never overwritten)."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO variants VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (sweep_id, row.seq, row.key, row.status, row.message, row.template_hash,
                 row.data_fingerprint, json.dumps(row.metrics, default=str), row.score,
                 row.duration_s, int(time.time() * 1000), row.first_ms, row.last_ms))
            return cur.rowcount == 1

    def variants(self, sweep_id: int) -> list[VariantRow]:
        cur = self.db.execute(
            "SELECT seq, params_key, status, message, template_hash, data_fingerprint,"
            " metrics_json, score, duration_s, data_first_ms, data_last_ms FROM variants"
            " WHERE sweep_id = ? ORDER BY seq", (sweep_id,))
        return [VariantRow(r[0], json.loads(r[1]), r[2], r[3], r[4], r[5], json.loads(r[6]),
                           r[7], r[8], r[9], r[10]) for r in cur.fetchall()]

    def sweep(self, sweep_id: int) -> dict[str, Any]:
        cur = self.db.execute("SELECT * FROM sweeps WHERE id = ?", (sweep_id,))
        row = cur.fetchone()
        if row is None:
            raise UsageError(f"no sweep with id {sweep_id} (see 'plutarc research list')")
        out = dict(zip([d[0] for d in cur.description], row, strict=True))
        out["spec"] = json.loads(out.pop("spec_json"))
        return out

    def sweeps(self, limit: int = 50) -> list[dict[str, Any]]:
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM sweeps ORDER BY id DESC LIMIT ?", (limit,)).fetchall()]
        return [self.sweep(i) for i in ids]

    def count(self, sweep_id: int) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM variants WHERE sweep_id = ?",
                                   (sweep_id,)).fetchone()[0])

    def save_walkforward(self, template_name: str, spec: dict[str, Any],
                         report: dict[str, Any], template_hash: str = "") -> int:
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO walkforwards (created_ms, template_name, spec_json, report_json,"
                " template_hash) VALUES (?,?,?,?,?)",
                (int(time.time() * 1000), template_name, json.dumps(spec, default=str),
                 json.dumps(report, default=str), template_hash))
            return int(cur.lastrowid)

    def walkforward(self, run_id: int) -> dict[str, Any]:
        row = self.db.execute("SELECT template_name, spec_json, report_json, template_hash,"
                              " created_ms FROM walkforwards WHERE id = ?",
                              (run_id,)).fetchone()
        if row is None:
            raise UsageError(f"no walk-forward with id {run_id}")
        report = json.loads(row[2])
        return {"template": row[0], "spec": json.loads(row[1]), "report": report,
                "template_hash": row[3] or self._hash_of_windows(report),
                "created_ms": row[4]}

    def _hash_of_windows(self, report: dict[str, Any]) -> str:
        """A run stored before the hash column: the hash its in-sample sweeps recorded
        ('' when they disagree or are gone: such a run validates nothing)."""
        ids = [w.get("sweep_id") for w in report.get("windows", [])]
        if not ids:
            return ""
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"SELECT DISTINCT template_hash FROM sweeps WHERE id IN ({marks})",
                               ids).fetchall()
        return rows[0][0] if len(rows) == 1 else ""
