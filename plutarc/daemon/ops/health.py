"""Ledger health checks: what does not add up is surfaced, never silently fixed.

    positions   each position equals the signed sum of its fills
    retired     stopped and deleted bots are flat and have no order open
    fees        each fill's fee is a plausible fraction of its notional
    journal     no order stuck journaled-but-unsent or sent-but-unanswered
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from plutarc.models.enums import OrderStatus
from plutarc.models.events import Severity

if TYPE_CHECKING:
    from plutarc.daemon.store import DaemonStore

MAX_FEE_RATE = Decimal("0.005")  # 0.5% of notional: above any venue's taker fee
MAX_REBATE_RATE = Decimal("0.001")  # 0.1% maker rebate
STUCK_AFTER_MS = 60_000  # an order this long without an answer is stuck
_OPEN = tuple(s.value for s in OrderStatus if s.is_open)


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    check: str
    severity: Severity
    message: str
    bot_id: str | None = None
    data: dict[str, Any] = {}

    @property
    def key(self) -> tuple[str, str | None, str]:
        return self.check, self.bot_id, self.message


def _names(store: DaemonStore) -> dict[str, tuple[str, str, bool]]:
    rows = store.db.execute("SELECT id, name, state, deleted_ms FROM bots")
    return {r["id"]: (r["name"], r["state"], r["deleted_ms"] is not None) for r in rows}


def check_positions(store: DaemonStore) -> list[Finding]:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in store.db.execute("SELECT bot_id, symbol, side, qty FROM fills"):
        sign = 1 if r["side"] == "buy" else -1
        sums[(r["bot_id"], r["symbol"])] += sign * Decimal(r["qty"])
    held = {(r["bot_id"], r["symbol"]): Decimal(r["qty"])
            for r in store.db.execute("SELECT bot_id, symbol, qty FROM positions")}
    names = _names(store)
    out = []
    for key in sorted(set(sums) | set(held)):
        filled, position = sums.get(key, Decimal(0)), held.get(key, Decimal(0))
        if filled != position:
            bot_id, symbol = key
            out.append(Finding(
                check="positions", severity=Severity.ERROR, bot_id=bot_id,
                message=f"{names.get(bot_id, (bot_id,))[0]} {symbol}: position {position} but "
                        f"its fills sum to {filled}: reconcile with the venue",
                data={"symbol": symbol, "position": str(position), "fills": str(filled)}))
    return out


def check_retired(store: DaemonStore) -> list[Finding]:
    names = _names(store)
    left = {r["target"] for r in store.db.execute(
        "SELECT DISTINCT target FROM audit WHERE action = 'bot.stop.leave'")}
    out = []
    for r in store.db.execute("SELECT bot_id, symbol, qty FROM positions "
                              "WHERE CAST(qty AS REAL) != 0 ORDER BY bot_id, symbol"):
        name, state, deleted = names.get(r["bot_id"], (r["bot_id"], "?", True))
        if state in ("stopped", "errored") or deleted:
            why = "left open by an operator at stop" if r["bot_id"] in left else "not flat"
            out.append(Finding(
                check="retired", severity=Severity.WARNING, bot_id=r["bot_id"],
                message=f"{name} is {'deleted' if deleted else state} and holds {r['qty']} "
                        f"{r['symbol']} ({why}): flatten it or close it at the venue",
                data={"symbol": r["symbol"], "qty": r["qty"], "left_by_operator":
                      r["bot_id"] in left}))
    marks = ",".join("?" * len(_OPEN))
    for r in store.db.execute(f"SELECT bot_id, COUNT(*) AS n FROM orders WHERE status IN "
                              f"({marks}) GROUP BY bot_id", _OPEN):
        name, state, deleted = names.get(r["bot_id"], (r["bot_id"], "?", True))
        if state in ("stopped", "errored") or deleted:
            out.append(Finding(
                check="retired", severity=Severity.WARNING, bot_id=r["bot_id"],
                message=f"{name} is {'deleted' if deleted else state} with {r['n']} orders "
                        "open in the journal: look them up at the venue",
                data={"open_orders": r["n"]}))
    return out


def check_fees(store: DaemonStore) -> list[Finding]:
    out = []
    for r in store.db.execute("SELECT fill_id, bot_id, symbol, qty, price, fee, fee_currency "
                              "FROM fills"):
        notional = Decimal(r["qty"]) * Decimal(r["price"])
        fee = Decimal(r["fee"])
        if notional <= 0 or fee > notional * MAX_FEE_RATE or fee < -notional * MAX_REBATE_RATE:
            out.append(Finding(
                check="fees", severity=Severity.WARNING, bot_id=r["bot_id"],
                message=f"fill {r['fill_id']} ({r['symbol']}): fee {fee} {r['fee_currency']} on "
                        f"a notional of {notional} is not plausible",
                data={"fill_id": r["fill_id"], "fee": str(fee), "notional": str(notional)}))
    return out


def check_journal(store: DaemonStore, now_ms: int) -> list[Finding]:
    cutoff = now_ms - STUCK_AFTER_MS
    out = []
    for r in store.db.execute(
            "SELECT client_id, bot_id, sent_ms FROM orders WHERE status = 'pending' "
            "AND journaled_ms < ? ORDER BY journaled_ms", (cutoff,)):
        unsent = r["sent_ms"] is None
        out.append(Finding(
            check="journal", severity=Severity.ERROR, bot_id=r["bot_id"],
            message=f"order {r['client_id']} is " + (
                "journaled but was never sent nor dropped" if unsent else
                "sent but never answered: look it up at the venue by client id, never resend"),
            data={"client_id": r["client_id"], "sent": not unsent}))
    return out


def run_checks(store: DaemonStore, now_ms: int) -> list[Finding]:
    return [*check_positions(store), *check_retired(store), *check_fees(store),
            *check_journal(store, now_ms)]
