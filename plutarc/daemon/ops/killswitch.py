"""The kill switch: halt every bot, cancel its orders and flatten its positions, all at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.recording import if_recordable
from plutarc.daemon.runtime.protocol import FlattenRequested, PauseChanged
from plutarc.daemon.runtime.standing_flatten import KILL_SWITCH_REASON
from plutarc.models.events import EventKind, Severity

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService


class LeftOpen(BaseModel):
    """A position the kill switch could not close: no worker runs for its bot."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    bot_id: str
    bot: str
    state: str
    symbol: str
    qty: str


class PanicReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ts_ms: int
    by: str
    halted: list[str]  # bot names now paused ('kill switch') and flattening, or restarting so
    left_open: list[LeftOpen]  # positions of bots without a worker: close them by hand
    not_recorded: list[str] = []  # what a full disk kept out of the journal; the acts stand
    verified: bool = False  # the venues, asked afresh afterwards, show nothing open
    remaining: list[str] = []  # what is still open (or could not be checked), one line each


def panic(service: DaemonService, who: str, note: str = "") -> PanicReport:
    """Every running bot: paused ('kill switch'), then told to cancel and flatten.

    Pausing comes first so nothing opens while orders are cancelled; each bot is audited,
    and the whole switch is one more audit row and one critical alert. The bots are told
    whatever the disk says: a state, audit row or alert a full disk refuses is listed in
    ``not_recorded`` instead of failing the switch.
    """
    sup, store = service.supervisor, service.store
    now = service.clock.now_ms()
    halted: list[str] = []
    left: list[LeftOpen] = []
    notes: list[str] = []
    for bot in store.bots.all():
        if sup.restart_pending(bot.id):  # errored, about to restart: it comes back flattening
            sup.deliver(bot.id, PauseChanged(True), refresh_config=False)
            sup.deliver(bot.id, FlattenRequested(f"{who} (kill switch)"), refresh_config=False)
            halted.append(bot.name)
            continue
        if not (bot.state.is_running and sup.is_running(bot.id)):
            left += [LeftOpen(bot_id=bot.id, bot=bot.name, state=bot.state.value,
                              symbol=p.symbol, qty=str(p.qty))
                     for p in store.positions.query(bot_id=bot.id)]
            continue
        after = bot
        with if_recordable(notes, f"{bot.name}: state paused ({KILL_SWITCH_REASON})",
                           lambda b=bot: service.late_transition(
                               b.id, BotState.PAUSED, KILL_SWITCH_REASON, now)):
            # PAUSED -> PAUSED only changes the reason: not a lifecycle move, so unchecked.
            after = sup.transition(bot.id, BotState.PAUSED, KILL_SWITCH_REASON,
                                   checked=bot.state is not BotState.PAUSED)
        sup.deliver(bot.id, PauseChanged(True), refresh_config=False)
        sup.deliver(bot.id, FlattenRequested(f"{who} (kill switch)"), refresh_config=False)
        with if_recordable(notes, f"{bot.name}: audit row bot.kill_switch",
                           lambda b=bot: service.late_audit(
                               who, "bot.kill_switch", b)):
            store.audit.append(who, now, "bot.kill_switch", bot.id, bot.model_dump(mode="json"),
                               after.model_dump(mode="json"))
        halted.append(bot.name)
    report = PanicReport(ts_ms=now, by=who, halted=halted, left_open=left)
    def audit_switch() -> None:
        store.audit.append(who, now, "kill_switch", "*", {"note": note} if note else None,
                           report.model_dump(mode="json"))

    with if_recordable(notes, "audit row kill_switch", audit_switch):
        audit_switch()
    with if_recordable(notes, "the kill switch alert event"):
        service.sink.emit(
            EventKind.ALERT, f"KILL SWITCH by {who}: {len(halted)} bots paused, cancelling and "
            f"flattening" + (f"; {len(left)} positions of stopped bots left open" if left else "")
            + (f" ({note})" if note else ""), severity=Severity.CRITICAL,
            data={"kill_switch": True, **report.model_dump(mode="json")})
    return report.model_copy(update={"not_recorded": notes})
