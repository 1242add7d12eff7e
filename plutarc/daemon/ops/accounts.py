"""Account risk in the daemon: limits per venue account, sampled, applied by pausing entries."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.ops.account_sample import sample
from plutarc.daemon.runtime.protocol import PauseChanged
from plutarc.models.events import EventKind, Severity
from plutarc.risk.account import AccountLimits, AccountState, Change, drawdown_pct, evaluate

if TYPE_CHECKING:
    from plutarc.daemon.service import DaemonService
    from plutarc.daemon.store import BotRecord

log = logging.getLogger(__name__)

REASON_PREFIX = "account risk: "
WHO = "account-risk"  # the audit's 'who' for pauses and resumes this module makes


class AccountRisk(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    venue: str
    account: str
    limits: AccountLimits
    state: dict[str, object]
    updated_ms: int


def get_all(service: DaemonService) -> list[AccountRisk]:
    rows = service.store.db.execute("SELECT * FROM account_risk ORDER BY venue, account")
    return [AccountRisk(venue=r["venue"], account=r["account"],
                        limits=AccountLimits.model_validate_json(r["limits"]),
                        state=json.loads(r["state"]), updated_ms=r["updated_ms"]) for r in rows]


def put_limits(service: DaemonService, venue: str, account: str, limits: AccountLimits,
               who: str) -> AccountRisk:
    store, now = service.store, service.clock.now_ms()
    before = next((a for a in get_all(service) if (a.venue, a.account) == (venue, account)),
                  None)
    with store.transaction():
        store.db.execute(
            "INSERT INTO account_risk (venue, account, limits, updated_ms) VALUES (?,?,?,?) "
            "ON CONFLICT (venue, account) DO UPDATE SET limits = excluded.limits, "
            "updated_ms = excluded.updated_ms",
            (venue, account, limits.model_dump_json(), now))
        store.audit.append(who, now, "risk.account", f"{venue}/{account}",
                           None if before is None else before.limits.model_dump(mode="json"),
                           limits.model_dump(mode="json"))
    return next(a for a in get_all(service) if (a.venue, a.account) == (venue, account))


def _members(service: DaemonService, venue: str, account: str) -> list[BotRecord]:
    return [b for b in service.store.bots.all() if (b.venue, b.account) == (venue, account)]


async def evaluate_accounts(service: DaemonService) -> None:
    """One sample of every account with limits; apply whatever changed."""
    for entry in get_all(service):
        bots = _members(service, entry.venue, entry.account)
        if not bots:
            continue
        taken = await sample(service, bots, entry.limits.currency)
        if taken.equity is None:
            log.info("account %s/%s not sampled: %s", entry.venue, entry.account, taken.why)
            continue
        equity, pending, now = taken.equity, taken.pending, service.clock.now_ms()
        before = AccountState.from_json(entry.state)
        state, changes = evaluate(entry.limits, before, equity, pending, now)
        if state != before:
            with service.store.transaction():
                service.store.db.execute(
                    "UPDATE account_risk SET state = ? WHERE venue = ? AND account = ?",
                    (json.dumps(state.to_json()), entry.venue, entry.account))
        for change in changes:
            _apply(service, entry, state, change, equity, pending, bots)
        if not state.entries_allowed:  # also catches bots started or resumed meanwhile
            _halt(service, bots, _halt_reason(entry.limits, state, equity))


def _apply(service: DaemonService, entry: AccountRisk, state: AccountState, change: Change,
           equity: Decimal, pending: int, bots: list[BotRecord]) -> None:
    label = f"{entry.venue}/{entry.account or '-'}"
    limits = entry.limits
    data = {"venue": entry.venue, "account": entry.account, "change": change.value,
            "equity": str(equity), "pending": pending}
    if change in (Change.DRAWDOWN_HALT, Change.TARGET_HALT):
        _halt(service, bots, _halt_reason(limits, state, equity))
    elif change in (Change.DRAWDOWN_CLEAR, Change.TARGET_CLEAR) and state.entries_allowed:
        _release(service, bots)
    severity = Severity.INFO if change.value.endswith("clear") else Severity.WARNING
    service.sink.emit(EventKind.RISK, f"account {label}: {change.value.replace('_', ' ')} "
                      f"(equity {equity}, {pending} orders pending)", severity=severity,
                      data=data)


def _halt_reason(limits: AccountLimits, state: AccountState, equity: Decimal) -> str:
    if state.drawdown_halted:
        dd = drawdown_pct(state.peak_equity or equity, equity)
        back = limits.max_drawdown_pct - limits.drawdown_hysteresis_pct  # type: ignore[operator]
        return (f"{REASON_PREFIX}drawdown {dd:.2f}% >= {limits.max_drawdown_pct}%; entries "
                f"return at {back}%")
    return (f"{REASON_PREFIX}daily profit target {limits.daily_profit_target} reached; "
            "entries return at 00:00 UTC")


def _halt(service: DaemonService, bots: list[BotRecord], reason: str) -> None:
    sup = service.supervisor
    for bot in bots:
        if bot.state in (BotState.ONLINE, BotState.SLEEPING) and sup.is_running(bot.id):
            after = sup.transition(bot.id, BotState.PAUSED, reason)
            sup.deliver(bot.id, PauseChanged(True), refresh_config=False)
            service.store.audit.append(WHO, service.clock.now_ms(), "bot.pause", bot.id,
                                       bot.model_dump(mode="json"), after.model_dump(mode="json"))


def _release(service: DaemonService, bots: list[BotRecord]) -> None:
    """Resume only the bots this module paused; an operator's pause or a hold stays."""
    sup = service.supervisor
    for bot in bots:
        bot = service.store.bots.resolve(bot.id)
        mine = bot.state is BotState.PAUSED and bot.state_reason.startswith(REASON_PREFIX)
        if mine and bot.needs_operator is None and sup.is_running(bot.id):
            after = sup.transition(bot.id, sup.resume_target(bot.id), "account risk cleared")
            sup.deliver(bot.id, PauseChanged(False), refresh_config=False)
            service.store.audit.append(WHO, service.clock.now_ms(), "bot.resume", bot.id,
                                       bot.model_dump(mode="json"), after.model_dump(mode="json"))
