"""Decisions and events: the two tables the daemon writes on every candle, batched when it can."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from plutarc.daemon.store._query import Where, check_limit, recent_first_then_chronological
from plutarc.daemon.store.codec import finite_or_none, json_text
from plutarc.daemon.store.records import DecisionRecord, EventRecord
from plutarc.models.events import Event, EventKind, Severity
from plutarc.storage.sqlite import Database

SEVERITY_ORDER = tuple(Severity)  # debug < info < warning < error < critical


@dataclass(frozen=True, slots=True)
class NewDecision:
    """One engine decision to store: the action, its score, every component's output, why not."""

    bot_id: str
    symbol: str
    ts_ms: int
    action: str
    score: float | None
    components: Mapping[str, float | None] = field(default_factory=dict)
    skip_reasons: Sequence[str] = ()


def _decision(row: sqlite3.Row) -> DecisionRecord:
    return DecisionRecord(
        id=row["id"], bot_id=row["bot_id"], symbol=row["symbol"], ts_ms=row["ts_ms"],
        action=row["action"], score=row["score"], components=json.loads(row["components"]),
        skip_reasons=tuple(json.loads(row["skip_reasons"])),
    )


class DecisionTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, decision: NewDecision) -> DecisionRecord:
        return self.insert_many([decision])[0]

    def insert_many(self, decisions: Iterable[NewDecision]) -> list[DecisionRecord]:
        records = []
        with self._db.transaction():
            for d in decisions:
                components = {k: finite_or_none(v) for k, v in d.components.items()}
                score = finite_or_none(d.score)
                cursor = self._db.execute(
                    "INSERT INTO decisions (bot_id, symbol, ts_ms, action, score, components, "
                    "skip_reasons) VALUES (?,?,?,?,?,?,?)",
                    (d.bot_id, d.symbol, d.ts_ms, d.action, score, json_text(components),
                     json_text(list(d.skip_reasons))),
                )
                records.append(DecisionRecord(
                    id=int(cursor.lastrowid or 0), bot_id=d.bot_id, symbol=d.symbol,
                    ts_ms=d.ts_ms, action=d.action, score=score, components=components,
                    skip_reasons=tuple(d.skip_reasons),
                ))
        return records

    def query(
        self,
        bot_id: str | None = None,
        symbol: str | None = None,
        since_ms: int | None = None,
        limit: int = 100,
    ) -> list[DecisionRecord]:
        where = (Where().maybe("bot_id = ?", bot_id).maybe("symbol = ?", symbol)
                 .maybe("ts_ms >= ?", since_ms))
        sql, params = recent_first_then_chronological(
            "SELECT * FROM decisions", where, "id", since_ms is not None, limit
        )
        return [_decision(r) for r in self._db.execute(sql, params)]


def _event(row: sqlite3.Row) -> EventRecord:
    return EventRecord(
        id=row["id"], ts_ms=row["ts_ms"], kind=EventKind(row["kind"]),
        severity=Severity(row["severity"]), bot_id=row["bot_id"], message=row["message"],
        data=json.loads(row["data"]),
    )


def severities_from(minimum: Severity) -> tuple[str, ...]:
    return tuple(s.value for s in SEVERITY_ORDER[SEVERITY_ORDER.index(minimum):])


class EventTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, event: Event) -> EventRecord:
        return self.insert_many([event])[0]

    def insert_many(self, events: Iterable[Event]) -> list[EventRecord]:
        records = []
        with self._db.transaction():
            for e in events:
                data = json.loads(json_text(e.data))  # what is stored is what is streamed
                cursor = self._db.execute(
                    "INSERT INTO events (ts_ms, kind, severity, bot_id, message, data) "
                    "VALUES (?,?,?,?,?,?)",
                    (e.ts_ms, e.kind.value, e.severity.value, e.bot_id, e.message,
                     json_text(data)),
                )
                records.append(EventRecord(
                    id=int(cursor.lastrowid or 0), ts_ms=e.ts_ms, kind=e.kind,
                    severity=e.severity, bot_id=e.bot_id, message=e.message, data=data,
                ))
        return records

    def query(
        self,
        bot_id: str | None = None,
        kinds: Sequence[EventKind] = (),
        min_severity: Severity | None = None,
        since_ms: int | None = None,
        after_id: int | None = None,
        limit: int = 100,
    ) -> list[EventRecord]:
        """Filtered events, oldest first; ``after_id`` pages forward (and feeds stream catch-up)."""
        where = (Where().maybe("bot_id = ?", bot_id).maybe("ts_ms >= ?", since_ms)
                 .maybe("id > ?", after_id))
        if kinds:
            where.add(f"kind IN ({','.join('?' * len(kinds))})", *(k.value for k in kinds))
        if min_severity is not None:
            allowed = severities_from(min_severity)
            where.add(f"severity IN ({','.join('?' * len(allowed))})", *allowed)
        forward = since_ms is not None or after_id is not None
        sql, params = recent_first_then_chronological(
            "SELECT * FROM events", where, "id", forward, check_limit(limit)
        )
        return [_event(r) for r in self._db.execute(sql, params)]

    def last_id(self) -> int:
        row = self._db.execute("SELECT MAX(id) FROM events").fetchone()
        return int(row[0] or 0)
