"""The open-order half of the periodic reconcile: the venue's open orders against the journal.

``follow_orders`` (reconcile.py) already settles what the journal holds open and the venue
closed. This is the other direction: an order the venue lists open on one of the bot's
symbols that the journal does not know, or holds as closed, is an ALERT showing both sides
(once per distinct mismatch) and is left alone: never cancelled, never adopted. Another
bot's journaled order (a shared account) is not a mismatch. Prices and quantities are not
compared: the journal keeps the order as first sent, amendments live in the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plutarc.daemon.live.leg import LiveLeg
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.exchanges.base import Venue
from plutarc.models import Order, OrderStatus
from plutarc.models.events import EventKind, Severity


@dataclass(frozen=True)
class OrderMismatch:
    client_id: str
    symbol: str
    venue_side: str  # e.g. "open buy limit 100 @ 40000"
    journal_side: str  # "not in the journal", "canceled in the journal"


def describe(order: Order) -> str:
    r = order.request
    price = "" if r.price is None else f" @ {r.price}"
    stop = "" if r.stop_price is None else f" stop {r.stop_price}"
    return (f"open {r.side.value} {r.type.value} {order.remaining_qty} of {r.qty}{price}{stop}"
            + (" reduce-only" if r.reduce_only else ""))


def _judge(ctx: BotContext, order: Order) -> OrderMismatch | None:
    record = ctx.store.orders.get(order.client_id)
    if record is not None and record.bot_id != ctx.bot_id:
        return None  # another bot of this daemon on the same account
    if record is None:
        journal = "not in this bot's journal"
    elif OrderStatus(record.status).is_open:
        return None
    else:
        journal = f"{record.status} in the journal ({record.reason or 'no reason given'})"
    return OrderMismatch(order.client_id, order.request.symbol, describe(order), journal)


async def order_mismatches(ctx: BotContext, venue: Venue,
                           legs: Sequence[LiveLeg]) -> dict[str, OrderMismatch]:
    """Venue-open orders on the bot's symbols that the journal does not hold open; read
    twice, so an order closing between the reads is not reported."""
    symbols = {leg.symbol for leg in legs}

    async def read() -> dict[str, OrderMismatch]:
        found = {}
        for order in await venue.open_orders():
            if order.request.symbol in symbols and (m := _judge(ctx, order)) is not None:
                found[m.client_id] = m
        return found

    first = await read()
    if not first:
        return first
    second = await read()
    return {cid: m for cid, m in second.items() if cid in first}


class OrderWatch:
    """Alerts once per distinct mismatch; says when one is gone."""

    def __init__(self) -> None:
        self._alerted: dict[str, OrderMismatch] = {}

    def report(self, ctx: BotContext, venue_name: str, found: dict[str, OrderMismatch],
               why: str) -> None:
        for cid, m in found.items():
            if self._alerted.get(cid) == m:
                continue
            ctx.emit(EventKind.ALERT,
                     f"{venue_name} lists order {cid} on {m.symbol} ({m.venue_side}) but it is "
                     f"{m.journal_side} (open-order check, {why}); left alone: cancel or keep "
                     "it by hand", severity=Severity.WARNING,
                     data={"client_id": cid, "symbol": m.symbol, "venue": m.venue_side,
                           "journal": m.journal_side, "check": why})
        for cid in [c for c in self._alerted if c not in found]:
            ctx.activity(f"order {cid} no longer disagrees with the journal",
                         client_id=cid, symbol=self._alerted[cid].symbol)
        self._alerted = dict(found)
