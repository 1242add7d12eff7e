"""A flatten request stands until the operator resumes the bot.

``FlattenRequested`` is a one-shot command to a worker's queue. A worker that dies or is
restarted between the request and the close (a watchdog restart, a crash, a daemon
restart) used to take the request with it: the new worker rebuilt the position and its
orders and kept managing them as if nobody had asked, and the kill switch reported the
position still open. Here the request is remembered per bot and handed to every worker
launched for it until the bot is resumed; flattening a flat bot changes nothing.

After a daemon restart the memory is gone, so the bot's pause reason says it: a bot paused
by the kill switch or by a flatten is flattened again when it is restored.
"""

from __future__ import annotations

from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.runtime.protocol import BotCommand, FlattenRequested, PauseChanged
from plutarc.daemon.store import BotRecord

KILL_SWITCH_REASON = "kill switch"
FLATTENED_PREFIX = "flattened by "


def flattened_reason(who: str) -> str:
    """The pause reason of ``bot flatten`` (recognised again after a daemon restart)."""
    return f"{FLATTENED_PREFIX}{who}: no new entries until resumed"


class StandingFlattens:
    """Bots whose operator asked for flat and has not resumed them since."""

    def __init__(self) -> None:
        self._requested_by: dict[str, str] = {}

    def note(self, bot_id: str, command: BotCommand | None) -> None:
        """Follow the commands an operator sends: a flatten stands, a resume lifts it."""
        if isinstance(command, FlattenRequested):
            self._requested_by[bot_id] = command.requested_by
        elif isinstance(command, PauseChanged) and not command.paused:
            self._requested_by.pop(bot_id, None)

    def seed(self, bot: BotRecord) -> None:
        """A bot restored paused by a flatten or the kill switch: the request still stands."""
        reason = bot.state_reason or ""
        if bot.state is BotState.PAUSED and (reason == KILL_SWITCH_REASON
                                            or reason.startswith(FLATTENED_PREFIX)):
            self._requested_by.setdefault(bot.id, f"{reason} (before the daemon restarted)")

    def again(self, bot_id: str) -> FlattenRequested | None:
        """The request to hand a newly launched worker, if one stands."""
        who = self._requested_by.get(bot_id)
        return None if who is None else FlattenRequested(f"{who}; standing after a restart")

    def forget(self, bot_id: str) -> None:
        """The operator stopped or deleted the bot: a later start is a fresh decision."""
        self._requested_by.pop(bot_id, None)

    def stands(self, bot_id: str) -> bool:
        return bot_id in self._requested_by
