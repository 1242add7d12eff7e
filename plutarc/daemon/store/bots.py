"""Bots and templates tables."""

from __future__ import annotations

import json
import sqlite3

from plutarc.daemon.bot_config import RiskLimits
from plutarc.daemon.errors import NotFound
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.replay_spec import ReplaySpec
from plutarc.daemon.store.codec import json_text
from plutarc.daemon.store.records import BotRecord, TemplateRecord
from plutarc.storage.sqlite import Database, is_disk_full

_BOT_COLUMNS = (
    "id, name, template, venue, account, mode, symbols, risk, state, state_reason, "
    "plutarc_version, created_ms, updated_ms, last_heartbeat_ms, config_version, needs_operator, "
    "template_version, margin_mode, replay"
)


def _bot(row: sqlite3.Row) -> BotRecord:
    return BotRecord(
        id=row["id"], name=row["name"], template=row["template"], venue=row["venue"],
        account=row["account"], mode=row["mode"], symbols=tuple(json.loads(row["symbols"])),
        risk=RiskLimits.model_validate_json(row["risk"]), state=BotState(row["state"]),
        state_reason=row["state_reason"], plutarc_version=row["plutarc_version"],
        created_ms=row["created_ms"], updated_ms=row["updated_ms"],
        last_heartbeat_ms=row["last_heartbeat_ms"], config_version=row["config_version"],
        needs_operator=row["needs_operator"], template_version=row["template_version"],
        margin_mode=row["margin_mode"], replay=_replay(row["replay"]),
    )


def _replay(text: str | None) -> ReplaySpec | None:
    """JSON since schema 10; a row migrated from before holds its old label text."""
    if not text:
        return None
    if text.lstrip().startswith("{"):
        return ReplaySpec.model_validate_json(text)
    return ReplaySpec.from_label(text)


class BotTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, bot: BotRecord) -> BotRecord:
        with self._db.transaction():
            self._db.execute(
                f"INSERT INTO bots ({_BOT_COLUMNS}) VALUES ({', '.join('?' * 19)})",
                (bot.id, bot.name, bot.template, bot.venue, bot.account, bot.mode,
                 json_text(list(bot.symbols)), bot.risk.model_dump_json(), bot.state.value,
                 bot.state_reason, bot.plutarc_version, bot.created_ms, bot.updated_ms,
                 bot.last_heartbeat_ms, bot.config_version, bot.needs_operator,
                 bot.template_version, bot.margin_mode,
                 None if bot.replay is None else bot.replay.model_dump_json()),
            )
        return bot

    def get(self, bot_id: str) -> BotRecord | None:
        row = self._db.execute(
            f"SELECT {_BOT_COLUMNS} FROM bots WHERE id = ? AND deleted_ms IS NULL", (bot_id,)
        ).fetchone()
        return _bot(row) if row else None

    def by_name(self, name: str) -> BotRecord | None:
        row = self._db.execute(
            f"SELECT {_BOT_COLUMNS} FROM bots WHERE name = ? AND deleted_ms IS NULL", (name,)
        ).fetchone()
        return _bot(row) if row else None

    def resolve(self, ref: str) -> BotRecord:
        """A bot by id or by name; NotFound names what was asked for."""
        bot = self.get(ref) or self.by_name(ref)
        if bot is None:
            raise NotFound(f"no bot named or with id {ref!r} (see 'plutarc bot list')")
        return bot

    def all(self, state: BotState | None = None) -> list[BotRecord]:
        sql = f"SELECT {_BOT_COLUMNS} FROM bots WHERE deleted_ms IS NULL"
        params: tuple[object, ...] = ()
        if state is not None:
            sql += " AND state = ?"
            params = (state.value,)
        return [_bot(r) for r in self._db.execute(sql + " ORDER BY created_ms, id", params)]

    def set_state(self, bot_id: str, state: BotState, reason: str, ts_ms: int) -> None:
        self._update(bot_id, "state = ?, state_reason = ?, updated_ms = ?",
                     (state.value, reason, ts_ms))

    def update_config(
        self, bot_id: str, template: str, symbols: tuple[str, ...], risk: RiskLimits, ts_ms: int,
        template_version: int | None = None, margin_mode: str | None = None,
    ) -> None:
        """Replace the hot configuration; ``template_version`` and ``margin_mode`` None keep
        what the bot has."""
        self._update(
            bot_id,
            "template = ?, template_version = COALESCE(?, template_version), symbols = ?, "
            "risk = ?, margin_mode = COALESCE(?, margin_mode), "
            "config_version = config_version + 1, updated_ms = ?",
            (template, template_version, json_text(list(symbols)), risk.model_dump_json(),
             margin_mode, ts_ms),
        )

    def pin_template(self, bot_id: str, version: int, ts_ms: int) -> None:
        """Move the bot to another version of its template (a configuration change)."""
        self._update(bot_id, "template_version = ?, config_version = config_version + 1, "
                     "updated_ms = ?", (version, ts_ms))

    def set_mode(self, bot_id: str, mode: str, ts_ms: int) -> None:
        self._update(bot_id, "mode = ?, config_version = config_version + 1, updated_ms = ?",
                     (mode, ts_ms))

    def set_needs_operator(self, bot_id: str, reason: str | None, ts_ms: int) -> None:
        """Hold the bot for an operator (``reason``) or release it (None)."""
        self._update(bot_id, "needs_operator = ?, updated_ms = ?", (reason, ts_ms))

    def set_heartbeat(self, bot_id: str, ts_ms: int) -> None:
        # Not under _update: a heartbeat is not a change of the bot, updated_ms stays.
        try:
            with self._db.transaction():
                self._db.execute("UPDATE bots SET last_heartbeat_ms = ? WHERE id = ?",
                                 (ts_ms, bot_id))
        except sqlite3.Error as exc:  # bookkeeping: a full disk must not stop the bot
            if not is_disk_full(exc):
                raise

    def set_plutarc_version(self, bot_id: str, version: str) -> None:
        with self._db.transaction():
            self._db.execute("UPDATE bots SET plutarc_version = ? WHERE id = ?", (version, bot_id))

    def mark_deleted(self, bot_id: str, ts_ms: int) -> None:
        # Soft delete: orders, fills and trades keep pointing at the bot for the record.
        self._update(bot_id, "deleted_ms = ?, updated_ms = ?", (ts_ms, ts_ms))

    def _update(self, bot_id: str, assignments: str, params: tuple[object, ...]) -> None:
        with self._db.transaction():
            cursor = self._db.execute(
                f"UPDATE bots SET {assignments} WHERE id = ? AND deleted_ms IS NULL",
                (*params, bot_id),
            )
        if cursor.rowcount != 1:
            raise NotFound(f"no bot with id {bot_id!r}")


def _template(row: sqlite3.Row) -> TemplateRecord:
    return TemplateRecord(name=row["name"], toml=row["toml"], version=row["version"],
                          updated_ms=row["updated_ms"])


class TemplateTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, name: str, toml: str, ts_ms: int) -> TemplateRecord:
        """Create or replace; the version increments on every change and stays on a no-op."""
        with self._db.transaction():
            current = self.get(name)
            if current is not None and current.toml == toml:
                return current
            version = 1 if current is None else current.version + 1
            self._db.execute(
                "INSERT INTO templates (name, toml, version, updated_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET toml = excluded.toml, "
                "version = excluded.version, updated_ms = excluded.updated_ms",
                (name, toml, version, ts_ms),
            )
            # Every version is kept: bots pinned to an older one still run it.
            self._db.execute(
                "INSERT OR REPLACE INTO template_versions (name, version, toml, saved_ms) "
                "VALUES (?, ?, ?, ?)", (name, version, toml, ts_ms),
            )
        return TemplateRecord(name=name, toml=toml, version=version, updated_ms=ts_ms)

    def version(self, name: str, version: int) -> TemplateRecord | None:
        """One stored version of a template (None when it was never saved)."""
        row = self._db.execute(
            "SELECT name, toml, version, saved_ms AS updated_ms FROM template_versions "
            "WHERE name = ? AND version = ?", (name, version),
        ).fetchone()
        return _template(row) if row else None

    def versions(self, name: str) -> list[int]:
        rows = self._db.execute(
            "SELECT version FROM template_versions WHERE name = ? ORDER BY version", (name,)
        )
        return [int(r["version"]) for r in rows]

    def get(self, name: str) -> TemplateRecord | None:
        row = self._db.execute(
            "SELECT name, toml, version, updated_ms FROM templates WHERE name = ?", (name,)
        ).fetchone()
        return _template(row) if row else None

    def require(self, name: str) -> TemplateRecord:
        template = self.get(name)
        if template is None:
            known = ", ".join(t.name for t in self.all()) or "none yet"
            raise NotFound(f"no template named {name!r} (stored templates: {known})")
        return template

    def all(self) -> list[TemplateRecord]:
        rows = self._db.execute(
            "SELECT name, toml, version, updated_ms FROM templates ORDER BY name"
        )
        return [_template(r) for r in rows]
