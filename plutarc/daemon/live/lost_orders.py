"""After a (re)start: orders of this bot that the venue knows and the journal lost.

A reduce-only order (an exit, a flatten, a protective stop) goes to the venue even while a full
disk keeps its journal rows out; they are held in memory (daemon/runtime/backlog.py) and
written once the disk has room. A daemon that stopped before then lost them (issue 23 item 5).
Such an order still carries the bot's deterministic client-id prefix, so the venue's record
is ours: it is journaled from what the venue says, before the kernels are rebuilt and the
fills caught up. Its fills are then booked like any other and the kernel counts it (a stop is
not placed twice, a closed position is closed). An ALERT names each order adopted so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from plutarc.daemon.live.kernel_state import client_prefix
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.exchanges.base import Venue
from plutarc.models import Order, OrderStatus
from plutarc.models.events import EventKind, Severity

FIRST_LOOKBACK_MS = 7 * 86_400_000  # fills of a bot that never stored one: a week back
FILL_OVERLAP_MS = 60_000  # re-read the last minute: executions can be stamped late


async def fills_since_ms(ctx: BotContext, venue: Venue) -> int:
    """Where the fill catch-up starts: a minute before the last fill stored, else a week."""
    row = ctx.store.db.execute("SELECT MAX(ts_ms) FROM fills WHERE bot_id = ?",
                               (ctx.bot_id,)).fetchone()
    if row[0] is not None:
        return int(row[0]) - FILL_OVERLAP_MS
    return await venue.server_time_ms() - FIRST_LOOKBACK_MS


async def adopt_lost_orders(ctx: BotContext, venue: Venue, symbols: Iterable[str]) -> int:
    """Journal every order with this bot's client ids that the venue holds open or filled
    since the last stored fill but the journal does not know; how many were adopted."""
    prefixes = tuple(f"{client_prefix(ctx.bot_id, symbol)}-" for symbol in symbols)
    seen = {o.client_id for o in await venue.open_orders()}
    seen |= {f.client_id for f in await venue.fills_since(await fills_since_ms(ctx, venue))}
    journal = ctx.store.orders
    adopted = 0
    for client_id in sorted(seen):
        if not client_id.startswith(prefixes) or journal.get(client_id) is not None:
            continue
        order = await venue.order_by_client_id(client_id)
        if order is not None:
            _adopt(ctx, order)
            adopted += 1
    return adopted


def _adopt(ctx: BotContext, order: Order) -> None:
    journal, now, cid = ctx.store.orders, ctx.clock.now_ms(), order.client_id
    # the kernel names its orders by role (entry, exit, stop, target) at the id's end
    request = replace(order.request, tag=order.request.tag or cid.rsplit("-", 1)[-1])
    # with fills still to book, the catch-up moves it on from 'new' as it books them
    status = OrderStatus.NEW if order.filled_qty > 0 else order.status
    with ctx.store.db.transaction(durable=True):
        journal.journal(ctx.bot_id, request, now)
        journal.mark_sent(cid, now)
        journal.mark_acked(cid, order.venue_id, status, now)
    ctx.emit(EventKind.ALERT, f"order {cid} ({request.tag}, {order.status.value} at "
             f"{ctx.bot.venue}) was sent while the disk was full and its journal rows were "
             "lost when the daemon stopped: journaled now from the venue's record",
             severity=Severity.WARNING, data={"client_id": cid, "status": order.status.value,
                                              "adopted": True})
