"""Dust closed at a real venue: a stopped bot's position below the minimum order size.

An order of the dust's size would be refused (it is below the lot), so only a venue whose
adapter declares a whole-position close can do it: its Capabilities ``extra["close_order"]``
names the order (BitMEX: execInst=Close without orderQty, which takes the whole position
whatever its size) and the adapter has ``close_position``. Any other venue is refused,
saying so; nothing is guessed.

The bot's venue is built exactly as its live worker builds it (the worker registry's
factory for the bot, then the worker's ``venue_factory``): the same stored API key, the same
endpoints. Each close follows the journal-first rule: journaled under the bot's client-id
prefix, marked sent, sent once; an answer that never came is looked up by client id by the
adapter, and an order still unknown stays in doubt in the journal (never resent) for the
bot's next start to find. The fill is read back from the venue (bounded) and booked with the
zeroed position in one transaction, then audited.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from plutarc.daemon.live.kernel_state import client_prefix, next_sequence, symbol_orders
from plutarc.errors import ConfigError, OrderRejected, OrderStatusUnknown, VenueError
from plutarc.models import Fill, Order, OrderRequest, OrderStatus, OrderType, Position, Side
from plutarc.models.events import EventKind, Severity

if TYPE_CHECKING:
    from plutarc.daemon.ops.dust import DustRow
    from plutarc.daemon.service import DaemonService
    from plutarc.daemon.store import BotRecord

FILL_WAIT_S = 10.0  # how long the fill of an accepted close is looked for at the venue
FILL_POLL_S = 0.25
TAG = "dust"


def venue_for(service: DaemonService, bot: BotRecord) -> Any | None:
    """The venue adapter the bot's live worker would use, or None when its worker builds no
    venue of its own (paper and plugin workers). Building it does not connect."""
    worker = service.supervisor.registry.factory_for(bot)(bot)
    factory = getattr(worker, "venue_factory", None)
    return factory(bot) if callable(factory) else None


def close_order_of(venue: Any) -> str | None:
    """The whole-position close the adapter declares, or None (then dust cannot be closed)."""
    caps = getattr(venue, "capabilities", None)
    named = getattr(caps, "extra", {}).get("close_order") if caps is not None else None
    return named if named and callable(getattr(venue, "close_position", None)) else None


def describe(d: DustRow, close_order: str | None) -> str:
    """What will be sent for ``d``: shown before the operator confirms."""
    if close_order is None:
        return refusal(d)
    side = "Sell" if d.qty > 0 else "Buy"
    return (f"{d.venue} {d.mode}: market {side} {d.symbol}, {close_order} without a "
            f"quantity (closes the whole position, {abs(d.qty)})")


def refusal(d: DustRow) -> str:
    return (f"cannot close on {d.venue} ({d.mode}): its adapter declares no close order that "
            f"takes a position below the minimum order ({d.min_qty}), and an order of "
            f"{abs(d.qty)} would be refused there; close it on {d.venue} by hand, then run "
            "'plutarc ops reconcile' after the bot's next start")


async def close_at_venue(service: DaemonService, who: str, d: DustRow, venue: Any) -> str:
    """Close ``d`` with the venue's whole-position close; the journaled client id."""
    store, bot_id = service.store, d.bot_id
    held = next((p.qty for p in await venue.positions() if p.symbol == d.symbol), Decimal(0))
    if held != d.qty:
        raise ConfigError(
            f"{d.bot}: {d.venue} holds {held} {d.symbol} but the journal {d.qty}: the close "
            "takes the whole position at the venue, so it is not sent; reconcile first")
    since_ms = await venue.server_time_ms() - 60_000
    seq = next_sequence(symbol_orders(store, bot_id, d.symbol))
    side = Side.SELL if d.qty > 0 else Side.BUY
    request = OrderRequest(f"{client_prefix(bot_id, d.symbol)}-{seq:07d}-{TAG}", d.symbol, side,
                           OrderType.MARKET, abs(d.qty), reduce_only=True, tag=TAG)
    now = service.clock.now_ms
    store.orders.journal(bot_id, request, now())  # durable, before anything is sent
    store.orders.mark_sent(request.client_id, now())
    try:
        order = await venue.close_position(request.client_id, d.symbol)
    except OrderStatusUnknown as exc:
        _alert(service, d, f"{d.bot}: dust close {request.client_id} is in doubt at "
               f"{d.venue} ({exc}); NOT resent: the bot's next start looks it up by client id")
        raise
    except (OrderRejected, VenueError) as exc:
        store.orders.update_status(request.client_id, OrderStatus.REJECTED, now(),
                                   reason=str(exc)[:200])
        raise
    if order is None:  # flat at the venue by now: nothing was placed
        store.orders.update_status(request.client_id, OrderStatus.CANCELED, now(),
                                   reason=f"{d.venue} was already flat")
        raise ConfigError(f"{d.bot}: {d.venue} is flat in {d.symbol} now; the journal still "
                          f"holds {d.qty}: reconcile at the bot's next start")
    store.orders.mark_acked(request.client_id, order.venue_id, order.status, now())
    order = await _settled(venue, order)
    fills = await _fills(venue, order, since_ms)
    _book(service, who, d, order, fills)
    return request.client_id


async def _settled(venue: Any, order: Order) -> Order:
    """The order once it is no longer working (a market close fills at once), bounded."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FILL_WAIT_S
    while order.status.is_open and loop.time() < deadline:
        await asyncio.sleep(FILL_POLL_S)
        order = await venue.order_by_client_id(order.client_id) or order
    return order


async def _fills(venue: Any, order: Order, since_ms: int) -> list[Fill]:
    """The order's executions as the venue reports them, once they add up to its filled
    quantity (bounded: what is missing is caught up by the bot's next start)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FILL_WAIT_S
    while True:
        fills = [f for f in await venue.fills_since(since_ms, order.request.symbol)
                 if f.client_id == order.client_id]
        if sum((f.qty for f in fills), Decimal(0)) >= order.filled_qty or (
                loop.time() >= deadline):
            return fills
        await asyncio.sleep(FILL_POLL_S)


def _book(service: DaemonService, who: str, d: DustRow, order: Order,
          fills: Iterable[Fill]) -> None:
    """Fills, order status, the position they leave and the audit row, in one transaction."""
    store, fills = service.store, list(fills)
    filled = sum((f.qty for f in fills), Decimal(0))
    left = d.qty - filled * (1 if d.qty > 0 else -1)
    before = store.positions.get(d.bot_id, d.symbol)
    ts = max((f.ts_ms for f in fills), default=service.clock.now_ms())
    avg = (sum((f.price * f.qty for f in fills), Decimal(0)) / filled) if filled else None
    status = OrderStatus.FILLED if filled >= abs(d.qty) else order.status
    with store.transaction():
        store.fills.record_many(d.bot_id, [_tagged(f) for f in fills])
        store.orders.update_status(order.client_id, status, service.clock.now_ms(),
                                   filled_qty=filled, avg_price=avg,
                                   reason=order.reject_reason or None)
        if filled:
            store.positions.upsert(d.bot_id, Position(d.symbol, left,
                                                      before.entry_price if left and before
                                                      else None, ts_ms=ts))
        store.audit.append(who, service.clock.now_ms(), "ops.close_dust", d.bot_id,
                           before.model_dump(mode="json") if before else None,
                           {"symbol": d.symbol, "qty": str(left), "closed_qty": str(filled),
                            "client_id": order.client_id, "venue": d.venue,
                            "status": status.value})
    for f in fills:
        service.sink.emit(EventKind.FILL, f"fill {f.side.value} {f.qty} {f.symbol} @ {f.price} "
                          f"(fee {f.fee} {f.fee_currency})", bot_id=d.bot_id,
                          data={"client_id": f.client_id, "fill_id": f.fill_id,
                                "symbol": f.symbol, "qty": str(f.qty), "price": str(f.price)})
    if left == 0:
        service.sink.emit(EventKind.ACTIVITY, f"{d.bot}: dust {d.qty} {d.symbol} closed at "
                          f"{d.venue} by {who} (order {order.client_id}, below the minimum "
                          f"order {d.min_qty})", bot_id=d.bot_id,
                          data={"symbol": d.symbol, "qty": str(d.qty), "by": who,
                                "client_id": order.client_id})
        return
    _alert(service, d, f"{d.bot}: dust close {order.client_id} at {d.venue} is {status.value} "
           f"with {filled} of {abs(d.qty)} {d.symbol} booked; the position is {left} (what "
           "the venue filled later is caught up by the bot's next start)")
    raise VenueError(f"{d.bot}: the dust close {order.client_id} did not complete: "
                     f"{status.value}, {filled} of {abs(d.qty)} booked")


def _tagged(fill: Fill) -> Fill:
    return fill if fill.tag else replace(fill, tag=TAG)


def _alert(service: DaemonService, d: DustRow, message: str) -> None:
    service.sink.emit(EventKind.ALERT, message, bot_id=d.bot_id, severity=Severity.ERROR,
                      data={"symbol": d.symbol, "qty": str(d.qty)})


async def close_quietly(venues: Iterable[Any]) -> None:
    for venue in venues:
        close = getattr(venue, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()
