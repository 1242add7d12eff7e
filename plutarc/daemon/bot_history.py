"""A bot's uptime and state history, read from the journal's bot_state events.

Uptime counts from the bot's last start (its last move into ``deploying``: an operator's
start, an automatic restart or a daemon restart) while a worker runs, and is None when it
does not. The history is the bot's state changes, newest last; retention may have pruned
the oldest.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.store import BotRecord, DaemonStore
from plutarc.models.events import EventKind

DEFAULT_HISTORY = 50


class StateChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ts_ms: int
    from_state: str | None  # None: the bot was created
    to_state: str
    reason: str


class BotHistory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bot_id: str
    state: BotState
    running_since_ms: int | None  # the last start, while a worker runs
    uptime_s: float | None
    last_heartbeat_ms: int | None
    heartbeat_age_s: float | None
    template: str
    template_version: int | None  # the version the bot runs
    template_latest: int | None  # the newest stored version of its template
    history: list[StateChange]


def last_start_ms(store: DaemonStore, bot_id: str) -> int | None:
    row = store.db.execute(
        "SELECT ts_ms FROM events WHERE bot_id = ? AND kind = ? "
        "AND json_extract(data, '$.to') = ? ORDER BY id DESC LIMIT 1",
        (bot_id, EventKind.BOT_STATE.value, BotState.DEPLOYING.value),
    ).fetchone()
    return None if row is None else int(row["ts_ms"])


def bot_history(store: DaemonStore, bot: BotRecord, now_ms: int,
                limit: int = DEFAULT_HISTORY) -> BotHistory:
    events = store.events.query(bot_id=bot.id, kinds=[EventKind.BOT_STATE], limit=limit)
    changes = [StateChange(ts_ms=e.ts_ms, from_state=e.data.get("from"),
                           to_state=str(e.data.get("to", "")), reason=str(e.data.get("reason", "")))
               for e in events]
    since = last_start_ms(store, bot.id) if bot.state.is_running else None
    latest = store.templates.get(bot.template)
    pinned = bot.template_version
    if pinned is None and latest is not None:
        pinned = latest.version  # a bot from before pinning runs the latest
    heartbeat = bot.last_heartbeat_ms
    return BotHistory(
        bot_id=bot.id, state=bot.state, running_since_ms=since,
        uptime_s=None if since is None else max(0, now_ms - since) / 1000,
        last_heartbeat_ms=heartbeat,
        heartbeat_age_s=None if heartbeat is None else max(0, now_ms - heartbeat) / 1000,
        template=bot.template, template_version=pinned,
        template_latest=None if latest is None else latest.version, history=changes,
    )
