"""The preference matrix (kind x channel -> minimum severity or off) and delivery settings.

Only changes from the defaults (``kinds.DEFAULT_LEVELS``) are stored, so a kind added in a
later release reaches existing channels with its own default.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from plutarc.errors import UsageError
from plutarc.notify.kinds import DEFAULT_LEVELS, NotifyKind, parse_kind, parse_level
from plutarc.storage.sqlite import Database

ALL = "*"


class NotifySettings(BaseModel):
    """How often, and when: edited with 'plutarc notify set'."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dedup_window_s: int = Field(600, ge=1, le=86_400, description="Repeats of one story "
                                "(kind, bot) within this window become one later message "
                                "with a count.")
    max_per_hour: int = Field(20, ge=1, le=1000, description="Messages per channel per hour; "
                              "beyond it they are held and sent later as one digest (kill "
                              "switch and liquidation are never held).")
    summary_at: str | None = Field("00:00", description="UTC time of the daily summary, "
                                   "HH:MM, or null for none.")
    max_age_s: int = Field(86_400, ge=60, description="A message not delivered by then is "
                           "dropped (stale news is noise).")
    timeout_s: float = Field(20.0, gt=0, le=300, description="One delivery attempt at most.")

    @field_validator("summary_at")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"summary_at must be HH:MM in UTC (e.g. 07:30), got {value!r}")
        return f"{int(match[1]):02d}:{match[2]}"


class Route(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str
    kind: NotifyKind
    level: str
    default: bool


class Matrix:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _overrides(self) -> dict[tuple[str, str], str]:
        rows = self.db.execute("SELECT channel, kind, level FROM notify_routes")
        return {(r["channel"], r["kind"]): r["level"] for r in rows}

    def level(self, channel: str, kind: NotifyKind) -> str:
        row = self.db.execute("SELECT level FROM notify_routes WHERE channel = ? AND kind = ?",
                              (channel, kind.value)).fetchone()
        return row["level"] if row is not None else DEFAULT_LEVELS[kind]

    def routes(self, channels: list[str]) -> list[Route]:
        overrides = self._overrides()
        out = []
        for channel in channels:
            for kind in NotifyKind:
                level = overrides.get((channel, kind.value))
                out.append(Route(channel=channel, kind=kind, level=level or DEFAULT_LEVELS[kind],
                                 default=level is None))
        return out

    def set(self, channels: list[str], channel: str, kind: str, level: str) -> list[Route]:
        """Set ``channel`` (or ``*``) x ``kind`` (or ``*``) to ``level``; the changed routes."""
        try:
            lvl = parse_level(level)
            kinds = list(NotifyKind) if kind == ALL else [parse_kind(kind)]
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        targets = channels if channel == ALL else [channel]
        if channel != ALL and channel not in channels:
            known = ", ".join(channels) or "none yet"
            raise UsageError(f"no notification channel named {channel!r} (channels: {known})")
        with self.db.transaction():
            for ch in targets:
                for k in kinds:
                    if lvl == DEFAULT_LEVELS[k]:
                        self.db.execute("DELETE FROM notify_routes WHERE channel = ? AND "
                                        "kind = ?", (ch, k.value))
                    else:
                        self.db.execute("INSERT OR REPLACE INTO notify_routes (channel, kind, "
                                        "level) VALUES (?,?,?)", (ch, k.value, lvl))
        return [r for r in self.routes(targets) if r.kind in kinds]

    def settings(self) -> NotifySettings:
        row = self.db.execute("SELECT settings FROM notify_settings WHERE id = 1").fetchone()
        return NotifySettings() if row is None else NotifySettings(**json.loads(row["settings"]))

    def update_settings(self, changes: dict[str, object]) -> NotifySettings:
        merged = {**self.settings().model_dump(), **changes}
        try:
            settings = NotifySettings(**merged)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "notify settings"
            raise UsageError(f"{where}: {err['msg']}") from None
        with self.db.transaction():
            self.db.execute("INSERT OR REPLACE INTO notify_settings (id, settings) VALUES "
                            "(1, ?)", (settings.model_dump_json(),))
        return settings
