"""Forced fills: the venue liquidated (part of) a bot's position.

A liquidation or bankruptcy execution is a fill like any other for the bot's position, its
ledger, its trades (closed with exit reason ``liquidation``) and its daily loss, but it was
made by the venue's liquidation engine, under the engine's order, never one of ours. So:

- it is adopted: journaled as a filled order of the bot under the venue's order id (tag
  ``liquidation``), capped at what the bot holds on that side; a bot that holds nothing the
  fill could close ignores it (it is another bot's, or a position placed by hand);
- the orders the venue cancelled when the position entered liquidation are looked up and
  marked with the venue's final status, so the bot never counts on a stop that is gone;
- an ALERT is raised and the bot is held for an operator: no new entries until cleared;
- what is left of a partly liquidated position gets its protective stop again at once (the
  venue cancelled it; exits and stops are managed while the bot is held).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from plutarc.daemon.live.kernel_state import forget_order, reprotect, symbol_orders
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.errors import VenueError
from plutarc.exchanges.base import Venue
from plutarc.models import Fill, OrderRequest, OrderStatus, OrderType
from plutarc.models.events import EventKind, Severity
from plutarc.strategy.kernel import SymbolKernel

if TYPE_CHECKING:
    from plutarc.daemon.live.leg import LiveLeg

log = logging.getLogger(__name__)

LIQUIDATION_TAG = "liquidation"


def adopt_forced(ctx: BotContext, kernel: SymbolKernel, fill: Fill) -> Fill | None:
    """The forced fill as this bot's (journaled, capped at its position), or None."""
    policy = kernel.policy
    if policy.side == 0 or fill.side.sign != -policy.side:
        return None  # nothing of this bot's for it to close
    journal, now = ctx.store.orders, ctx.clock.now_ms()
    record = journal.get(fill.client_id)
    if record is not None and record.bot_id != ctx.bot_id:
        return None  # the same engine order was adopted by another bot first
    qty = min(fill.qty, policy.qty)
    if record is None:
        request = OrderRequest(fill.client_id, fill.symbol, fill.side, OrderType.MARKET, qty,
                               reduce_only=True, tag=LIQUIDATION_TAG)

        def adopt() -> None:  # held in order with the fill when the disk is full
            with ctx.store.db.transaction(durable=True):
                if journal.get(fill.client_id) is None:
                    journal.journal(ctx.bot_id, request, now)
                    journal.mark_sent(fill.client_id, now)
                    journal.mark_acked(fill.client_id, fill.venue_order_id, OrderStatus.NEW,
                                       now)

        ctx.backlog.write(f"journal of liquidation {fill.client_id}", adopt)
    return replace(fill, qty=qty, tag=LIQUIDATION_TAG)


async def mark_venue_cancels(ctx: BotContext, venue: Venue, kernel: SymbolKernel,
                             symbol: str) -> list[str]:
    """Journal-open orders of the bot on ``symbol`` that the venue has closed meanwhile get
    the venue's status; returns their client ids (an unanswered lookup is left for later)."""
    closed = []
    for record in symbol_orders(ctx.store, ctx.bot_id, symbol):
        if not OrderStatus(record.status).is_open or record.status == OrderStatus.PENDING:
            continue
        try:
            order = await venue.order_by_client_id(record.client_id)
        except VenueError as exc:
            log.warning("lookup of %s after a liquidation failed: %s", record.client_id, exc)
            continue
        if order is None or order.status.is_open:
            continue
        ctx.store.orders.update_status(
            record.client_id, order.status, ctx.clock.now_ms(),
            reason=order.reject_reason or f"{order.status.value} by {venue.name} when the "
            "position was liquidated")
        forget_order(kernel, record.client_id)
        closed.append(record.client_id)
    return closed


async def settle_forced(leg: LiveLeg) -> None:
    """After forced fills: venue cancels marked, ALERT, bot held until an operator clears it."""
    forced, leg.fills.forced = leg.fills.forced, []
    if not forced:
        return
    execution = leg.execution
    ctx, venue = execution.ctx, execution.venue
    closed = await mark_venue_cancels(ctx, venue, leg.kernel, leg.symbol)
    qty = sum(f.qty for f in forced)
    last = forced[-1]
    reason = (f"{venue.name} liquidated {qty} {leg.symbol} of this bot's position "
              f"({last.kind.value} at {last.price})")
    ctx.emit(EventKind.ALERT, f"{reason}; {len(closed)} open orders cancelled by the venue; "
             "no new entries until an operator clears the bot", severity=Severity.ERROR,
             data={"symbol": leg.symbol, "qty": str(qty), "price": str(last.price),
                   "kind": last.kind.value, "fill_ids": [f.fill_id for f in forced],
                   "cancelled_by_venue": closed})
    execution.hold(reason, last.client_id)
    await execution.apply(reprotect(leg.kernel))
