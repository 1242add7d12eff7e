"""Bots held for an operator: a final error pauses the bot until someone clears it.

The hold is a column on the bot (``needs_operator``, the reason), so it survives restarts:
the supervisor restores a held bot paused, and start/resume are refused until it is cleared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plutarc.daemon.errors import InvalidTransition
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.runtime.protocol import BotContext, PauseChanged
from plutarc.daemon.store import BotRecord
from plutarc.models.events import EventKind, Severity

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService

HOLD_PREFIX = "needs operator: "


def refuse_if_held(bot: BotRecord, action: str) -> None:
    """Start and resume never bypass a hold: the operator clears it first."""
    if bot.needs_operator:
        raise InvalidTransition(
            f"cannot {action} bot {bot.name!r}: it needs an operator ({bot.needs_operator}); "
            f"look at what happened ('plutarc bot show {bot.name}', the activity feed), then "
            f"'plutarc bot clear {bot.name}'")


def hold_from_worker(ctx: BotContext, reason: str, data: dict[str, object]) -> BotRecord:
    """Called by a worker on a final error: flag, pause (exits still managed), alert.

    Written straight to the store because the worker runs inside the daemon; the worker's
    context is handed the paused record so entries stop at once.
    """
    store, now = ctx.store, ctx.clock.now_ms()
    bot = store.bots.resolve(ctx.bot_id)
    state_reason = HOLD_PREFIX + reason
    with store.transaction():
        store.bots.set_needs_operator(bot.id, reason, now)
        if bot.state is not BotState.PAUSED:
            store.bots.set_state(bot.id, BotState.PAUSED, state_reason, now)
    after = store.bots.resolve(bot.id)
    if bot.state is not BotState.PAUSED:
        ctx.emit(EventKind.BOT_STATE, f"{bot.name}: {bot.state} -> paused ({state_reason})",
                 data={"from": bot.state.value, "to": "paused", "reason": state_reason})
    ctx.emit(EventKind.ALERT, f"{bot.name}: paused until an operator clears it: {reason}",
             severity=Severity.ERROR, data={"needs_operator": True, "reason": reason, **data})
    ctx.deliver(after, None, PauseChanged(True) if bot.state is not BotState.PAUSED else None)
    return after


def clear_bot(service: DaemonService, ref: str, who: str) -> BotRecord:
    """The operator has looked: release the hold and, if the bot is paused, trade again."""
    bot = service.store.bots.resolve(ref)
    if not bot.needs_operator:
        raise InvalidTransition(f"cannot clear bot {bot.name!r}: it is not waiting for an "
                                f"operator (it is {bot.state})")
    now = service.clock.now_ms()
    service.store.bots.set_needs_operator(bot.id, None, now)
    after = service.store.bots.resolve(bot.id)
    # Clearing means 'trade again': a paused bot resumes (pause it again to keep it paused).
    if bot.state is BotState.PAUSED and service.supervisor.is_running(bot.id):
        target = service.supervisor.resume_target(bot.id)
        after = service.supervisor.transition(bot.id, target, f"cleared by {who}")
        service.supervisor.deliver(bot.id, PauseChanged(False), refresh_config=False)
    service.store.audit.append(who, now, "bot.clear", bot.id, bot.model_dump(mode="json"),
                               after.model_dump(mode="json"))
    service.sink.emit(EventKind.ACTIVITY, f"{bot.name}: cleared by {who} (was: "
                      f"{bot.needs_operator})", bot_id=bot.id,
                      data={"cleared": bot.needs_operator, "by": who})
    return after
