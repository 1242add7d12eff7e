"""After a (re)start: the journal against the venue, before the bot does anything new.

1. Orders sent but never acknowledged (the daemon died mid-request) are looked up by client
   id; found ones are acknowledged, absent ones marked as never arrived. Nothing is resent.
2. Orders journaled but never sent are dropped (the moment they were meant for has passed).
3. Orders the journal thinks open but the venue no longer lists get their final status; one
   the venue does not know at all is marked gone with an ALERT (a stop is placed again).
4. Fills since the last one we know are fetched and applied once each.
5. Venue positions on the bot's symbols that differ from the bot's own are surfaced as
   ALERT events and left alone: the daemon never trades a position it does not know.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from plutarc.daemon.live.kernel_state import forget_order, reprotect
from plutarc.daemon.live.leg import LiveLeg
from plutarc.daemon.live.liquidation import settle_forced
from plutarc.daemon.live.lost_orders import fills_since_ms
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.daemon.store import OrderRecord
from plutarc.errors import VenueError
from plutarc.exchanges.base import Venue
from plutarc.models import OrderStatus
from plutarc.models.events import EventKind, Severity
from plutarc.strategy.intents import Intent

log = logging.getLogger(__name__)



async def reconcile(ctx: BotContext, venue: Venue, legs: Sequence[LiveLeg]) -> dict[str, int]:
    """Bring the journal and the kernels in line with the venue; returns what it counted."""
    counts = {"looked_up": 0, "dropped": 0, "closed": 0, "fills": 0, "alerts": 0}
    by_symbol = {leg.symbol: leg for leg in legs}
    journal, now = ctx.store.orders, ctx.clock.now_ms()
    for record in journal.in_doubt(ctx.bot_id):
        leg = by_symbol.get(record.symbol)
        if leg is not None:
            leg.execution.in_doubt[record.client_id] = now - leg.execution.give_up_ms
            counts["looked_up"] += 1
    for leg in legs:
        await leg.execution.resolve_in_doubt()  # found: acked; absent after a restart: gone
    for record in journal.unsent(ctx.bot_id):
        journal.update_status(record.client_id, OrderStatus.CANCELED, now,
                              reason="journaled but never sent before the daemon stopped")
        leg = by_symbol.get(record.symbol)
        if leg is not None:
            forget_order(leg.kernel, record.client_id)
        counts["dropped"] += 1
    counts["closed"] = await follow_orders(ctx, venue, legs, "while the bot was away",
                                           claim=True)
    counts["fills"] = await catch_up_fills(ctx, venue, legs)
    counts["alerts"] = await check_positions(ctx, venue, legs)
    for leg in legs:
        await leg.execution.apply(reprotect(leg.kernel))
    return counts


async def follow_orders(ctx: BotContext, venue: Venue, legs: Sequence[LiveLeg], when: str,
                        claim: bool = False) -> int:
    """Every order the journal holds open that the venue no longer lists open gets the
    venue's final status: cancelled by the venue (an OCO sibling, a reduce-only order on a
    flat position), expired, rejected; filled ones are left to their fills. At (re)start and
    at every periodic position check. Returns how many were closed."""
    by_symbol = {leg.symbol: leg for leg in legs}
    journal, now = ctx.store.orders, ctx.clock.now_ms()
    journal_open = [r for r in journal.query(bot_id=ctx.bot_id, open_only=True, limit=1000)
                    if r.symbol in by_symbol or claim]
    claimer = getattr(venue, "claim_orders", None)  # rows of these are ours (alerts, not skips)
    if claim and claimer is not None:
        claimer([record.client_id for record in journal_open])
    if not journal_open:
        return 0
    venue_open = {o.client_id for o in await venue.open_orders()}
    closed = 0
    for record in journal_open:
        if record.client_id in venue_open or record.status == OrderStatus.PENDING:
            continue
        order = await venue.order_by_client_id(record.client_id)
        leg = by_symbol.get(record.symbol)
        if order is None:
            _lost(ctx, venue, record, leg, now)
            closed += 1
            continue
        if order.status.is_open:
            continue
        if order.status is not OrderStatus.FILLED:
            settle_closed(ctx, leg, record.client_id, order.status,
                          order.reject_reason or "closed at the venue", when)
        closed += 1
    return closed


def settle_closed(ctx: BotContext, leg: LiveLeg | None, client_id: str, status: OrderStatus,
                  why: str, when: str) -> None:
    """The journal takes the venue's final word on an order we did not close ourselves."""
    record = ctx.store.orders.get(client_id)
    if record is None or not OrderStatus(record.status).is_open:
        return
    if leg is not None:
        forget_order(leg.kernel, client_id)
    now = ctx.clock.now_ms()

    def write() -> None:  # held on a full disk: a status held before it may settle it first
        current = ctx.store.orders.get(client_id)
        if current is None or not OrderStatus(current.status).is_open:
            return
        ctx.store.orders.update_status(client_id, status, now, reason=f"by the venue: {why}")
        ctx.emit(EventKind.ORDER, f"order {client_id} was {status.value} by the venue "
                 f"{when}: {why}", data={"client_id": client_id, "status": status.value,
                                         "reason": why, "by_venue": True})

    ctx.backlog.write(f"status of {client_id}", write)


def _lost(ctx: BotContext, venue: Venue, record: OrderRecord, leg: LiveLeg | None,
          now: int) -> None:
    """An order the journal holds open that the venue neither lists open nor knows: it is
    not working, so the bot must not count on it (a stop is placed again by reprotect)."""
    ctx.store.orders.update_status(record.client_id, OrderStatus.CANCELED, now,
                                   reason=f"{venue.name} no longer knows this order")
    if leg is not None:
        forget_order(leg.kernel, record.client_id)
    ctx.emit(EventKind.ALERT, f"order {record.client_id} ({record.tag or record.type}) was "
             f"open in the journal but {venue.name} does not know it: marked gone"
             + ("; its protection is placed again" if record.tag == "stop" else ""),
             severity=Severity.WARNING, data={"client_id": record.client_id,
                                              "symbol": record.symbol})


async def catch_up_fills(ctx: BotContext, venue: Venue, legs: Sequence[LiveLeg]) -> int:
    """Executions since the last fill we stored, applied once each (in venue order)."""
    since = await fills_since_ms(ctx, venue)
    by_symbol = {leg.symbol: leg for leg in legs}
    applied = 0
    for fill in sorted(await venue.fills_since(since), key=lambda f: f.ts_ms):
        leg = by_symbol.get(fill.symbol)
        if leg is None:
            continue
        intents = leg.fills.apply(fill)
        if intents is not None:
            applied += 1
            await apply_follow_ups(leg, intents)
    return applied


async def apply_follow_ups(leg: LiveLeg, intents: list[Intent]) -> None:
    """After a fill: a liquidation is settled first (the venue's cancels marked, so the
    kernel's cancels of those orders are not sent), then the kernel's intents."""
    await settle_forced(leg)
    await leg.execution.apply(intents)


async def check_positions(ctx: BotContext, venue: Venue, legs: Sequence[LiveLeg]) -> int:
    alerts = 0
    try:
        positions = {p.symbol: p for p in await venue.positions()}
    except VenueError as exc:
        ctx.emit(EventKind.ALERT, f"cannot read positions from {venue.name}: {exc}",
                 severity=Severity.WARNING)
        return 1
    for leg in legs:
        ours = leg.fills.position(ctx.clock.now_ms())
        at_venue = positions.get(leg.symbol)
        venue_qty = at_venue.qty if at_venue is not None else 0
        if venue_qty == ours.qty:
            continue
        alerts += 1
        what = "a position this bot does not know" if ours.qty == 0 else (
            f"a position that differs from this bot's {ours.qty}")
        ctx.emit(EventKind.ALERT, f"{venue.name} shows {venue_qty} {leg.symbol}: {what}; "
                 "left alone (close or adopt it by hand)", severity=Severity.WARNING,
                 data={"symbol": leg.symbol, "venue_qty": str(venue_qty),
                       "bot_qty": str(ours.qty)})
    return alerts
