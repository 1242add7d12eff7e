"""How a bot announces the risk gate's verdicts: one RISK event per block, cut or clamp.

A refused entry (a block, or a reversal cut down to the part that closes) is a WARNING and
its sentence is also returned, so the worker can add it to the decision's skip reasons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any, Protocol

from plutarc.models import OrderRequest, OrderType, Side
from plutarc.models.events import EventKind, Severity
from plutarc.risk.gate import Verdict
from plutarc.strategy.decision import Action, Decision
from plutarc.strategy.policy import PositionPolicy


class Emitter(Protocol):
    def emit(self, kind: EventKind, message: str, *, severity: Severity = ...,
             data: dict[str, Any] | None = ...) -> object: ...


def announce(ctx: Emitter, request: OrderRequest, verdict: Verdict) -> str | None:
    """Emit the verdict's RISK event (none when it passed untouched); the skip reason of a
    refused entry, else None."""
    if not verdict.rule:
        return None
    if verdict.request is None:
        what = "blocked"
    elif verdict.refused_qty > 0:
        what = "reduced"  # the entry part refused, the closing part sent
    else:
        what = "clamped"
    message = (f"risk {what} {request.side.value} {request.qty} {request.symbol} "
               f"({request.tag or request.type.value}): {verdict.rule}: {verdict.message}")
    ctx.emit(EventKind.RISK, message,
             severity=Severity.WARNING if verdict.refused else Severity.INFO,
             data={"rule": verdict.rule, "action": what, "client_id": request.client_id,
                   "symbol": request.symbol, **verdict.values})
    if not verdict.refused:
        return None
    return f"risk: {request.tag or 'order'} refused: {verdict.rule}: {verdict.message}"


def closing_qty(position_qty: Decimal,
                orders: Iterable[tuple[OrderRequest, Decimal]]) -> Decimal:
    """How much of the position open reduce-only market orders (exits on their way, given
    with their unfilled quantity) are closing already; resting stops and targets may never
    trigger, so they do not count."""
    if position_qty == 0:
        return Decimal(0)
    against = Side.SELL if position_qty > 0 else Side.BUY
    return sum((left for request, left in orders
                if request.reduce_only and request.type is OrderType.MARKET
                and request.side is against and left > 0), Decimal(0))


def note_refusals(decisions: list[Decision], refusals: list[str]) -> list[Decision]:
    """The refusals added to the skip reasons of the decision that acted (the last that did,
    else the last one), so a refused entry shows where decisions are read."""
    if not refusals or not decisions:
        return decisions
    acted = [i for i, d in enumerate(decisions) if d.action is not Action.NONE]
    i = acted[-1] if acted else len(decisions) - 1
    out = list(decisions)
    out[i] = replace(out[i], skip_reasons=(*out[i].skip_reasons, *refusals))
    return out


def exit_on_its_way(policy: PositionPolicy) -> Decimal:
    """The kernel's own view: an exit it sent and has not seen filled closes all of the
    position (the venue may have answered 'filled' before the fill reached the kernel)."""
    return policy.qty if "exit" in policy.pending.values() else Decimal(0)
