"""Orders of one live symbol: journal first, then the venue; doubt is resolved by lookup.

Place: the intent is journaled durably with the kernel's deterministic client id, marked
sent, then sent. Any answer other than an acknowledgement or a final rejection (timeout,
dropped link, overload) leaves the order *in doubt*: it is looked up by client id on every
tick until the venue says what happened, and it is never sent again. An order the venue
still does not know after ``give_up_s`` never arrived: the journal says so and the kernel
stops waiting for it. Amendments (stop moves, size changes) are merged per order and sent
at most once per ``amend_interval_s``; a cancel drops any amendment still waiting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from plutarc.daemon.live.kernel_state import forget_order
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.errors import FinalVenueError, OrderRejected, VenueError
from plutarc.exchanges.base import Venue
from plutarc.models import Order, OrderStatus
from plutarc.models.events import EventKind, Severity
from plutarc.strategy.intents import Amend, Cancel, Intent, Place
from plutarc.strategy.kernel import SymbolKernel

log = logging.getLogger(__name__)


@dataclass
class WaitingAmend:
    stop_price: Decimal | None
    qty: Decimal | None
    reason: str


class LiveExecution:
    def __init__(self, ctx: BotContext, venue: Venue, kernel: SymbolKernel, *,
                 amend_interval_s: float = 1.0, give_up_s: float = 30.0) -> None:
        self.ctx = ctx
        self.venue = venue
        self.kernel = kernel
        self.amend_interval_ms = int(amend_interval_s * 1000)
        self.give_up_ms = int(give_up_s * 1000)
        self.in_doubt: dict[str, int] = {}  # client id -> when the doubt began (ms)
        self.order_qty: dict[str, Decimal] = {}  # amended quantities, by client id
        self._amends: dict[str, WaitingAmend] = {}
        self._last_amend_ms: dict[str, int] = {}
        self.sent = 0

    # intents -----------------------------------------------------------------------------
    async def apply(self, intents: list[Intent]) -> None:
        for intent in intents:
            if isinstance(intent, Place):
                await self._place(intent)
            elif isinstance(intent, Amend):
                self._queue_amend(intent)
            elif isinstance(intent, Cancel):
                await self._cancel(intent)
        await self.flush_amends()

    async def _place(self, intent: Place) -> None:
        request, journal = intent.request, self.ctx.store.orders
        if journal.get(request.client_id) is not None:
            # only a kernel rebuilt after a restart can ask again: the first ask stands
            log.info("order %s is journaled already; not sending it again", request.client_id)
            return
        now = self.ctx.clock.now_ms()
        journal.journal(self.ctx.bot_id, request, now)
        journal.mark_sent(request.client_id, now)
        self.sent += 1
        try:
            order = await self.venue.place_order(request)
        except FinalVenueError as exc:
            self._rejected(request.client_id, str(exc))
            return
        except VenueError as exc:  # OrderStatusUnknown, timeouts, overload: ask, never resend
            self.in_doubt[request.client_id] = self.ctx.clock.now_ms()
            self._event(f"order {request.client_id}: {exc}; looking it up by client id "
                        "(never resent)", request.client_id, "in_doubt",
                        severity=Severity.WARNING)
            return
        self._acked(order)
        self._event(
            f"{request.side.value} {request.qty} {request.symbol} {request.type.value}"
            f"{'' if request.stop_price is None else f' stop {request.stop_price}'}"
            f"{' reduce-only' if request.reduce_only else ''} ({intent.reason}): "
            f"{order.status.value}", request.client_id, order.status.value,
            side=request.side.value, qty=str(request.qty), type=request.type.value,
            stop_price=None if request.stop_price is None else str(request.stop_price),
            reduce_only=request.reduce_only, reason=intent.reason)

    def _acked(self, order: Order) -> None:
        journal, now = self.ctx.store.orders, self.ctx.clock.now_ms()
        journal.mark_acked(order.client_id, order.venue_id, order.status, now)
        if order.status is OrderStatus.REJECTED:
            self._rejected(order.client_id, order.reject_reason or "rejected by the venue")
        elif order.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED) and (
                order.filled_qty == 0):
            journal.update_status(order.client_id, order.status, now)
            forget_order(self.kernel, order.client_id)

    def _rejected(self, client_id: str, reason: str) -> None:
        self.ctx.store.orders.update_status(client_id, OrderStatus.REJECTED,
                                            self.ctx.clock.now_ms(), reason=reason)
        forget_order(self.kernel, client_id)
        self.ctx.emit(EventKind.ALERT, f"order {client_id} rejected by {self.venue.name}: "
                      f"{reason}", severity=Severity.WARNING,
                      data={"client_id": client_id, "reason": reason})

    # doubt -------------------------------------------------------------------------------
    async def resolve_in_doubt(self) -> None:
        """Ask the venue about every order in doubt; give up only on proof of absence."""
        for client_id, since in list(self.in_doubt.items()):
            try:
                order = await self.venue.order_by_client_id(client_id)
            except VenueError as exc:
                log.warning("lookup of %s failed: %s", client_id, exc)
                continue
            if order is not None:
                del self.in_doubt[client_id]
                self._acked(order)
                self._event(f"order {client_id} found at the venue: {order.status.value}",
                            client_id, order.status.value)
            elif self.ctx.clock.now_ms() - since >= self.give_up_ms:
                del self.in_doubt[client_id]
                self._rejected(client_id, "never reached the venue (not found by client id "
                               f"for {self.give_up_ms // 1000} s); not resent")

    def arrived(self, client_id: str, venue_order_id: str) -> None:
        """A fill proves an order in doubt arrived."""
        if self.in_doubt.pop(client_id, None) is not None:
            self.ctx.store.orders.mark_acked(client_id, venue_order_id, OrderStatus.NEW,
                                             self.ctx.clock.now_ms())

    # amendments and cancels --------------------------------------------------------------
    def _queue_amend(self, intent: Amend) -> None:
        waiting = self._amends.get(intent.client_id)
        if waiting is None:
            self._amends[intent.client_id] = WaitingAmend(intent.stop_price, intent.qty,
                                                          intent.reason)
        else:  # newest value of each field wins
            if intent.stop_price is not None:
                waiting.stop_price = intent.stop_price
            if intent.qty is not None:
                waiting.qty = intent.qty
            waiting.reason = intent.reason

    async def flush_amends(self) -> None:
        now = self.ctx.clock.now_ms()
        for client_id, waiting in list(self._amends.items()):
            if now - self._last_amend_ms.get(client_id, -10**15) < self.amend_interval_ms:
                continue
            del self._amends[client_id]
            record = self.ctx.store.orders.get(client_id)
            if record is None or not OrderStatus(record.status).is_open:
                continue
            if client_id in self.in_doubt:
                self._amends[client_id] = waiting  # after the doubt is resolved
                continue
            self._last_amend_ms[client_id] = now
            try:
                order = await self.venue.amend_order(client_id, qty=waiting.qty,
                                                     stop_price=waiting.stop_price)
            except VenueError as exc:
                self._event(f"amend {client_id} ({waiting.reason}) failed: {exc}", client_id,
                            "amend_failed", severity=Severity.WARNING)
                continue
            if waiting.qty is not None:
                self.order_qty[client_id] = order.request.qty
            self._event(f"amend {client_id}: {waiting.reason}"
                        f"{'' if waiting.stop_price is None else f' stop {waiting.stop_price}'}"
                        f"{'' if waiting.qty is None else f' qty {waiting.qty}'}", client_id,
                        "amended", stop_price=None if waiting.stop_price is None
                        else str(waiting.stop_price))

    async def _cancel(self, intent: Cancel) -> None:
        client_id = intent.client_id
        self._amends.pop(client_id, None)
        record = self.ctx.store.orders.get(client_id)
        if record is None or not OrderStatus(record.status).is_open:
            return
        try:
            order = await self.venue.cancel_order(client_id)
        except OrderRejected as exc:  # gone already (filled, or cancelled by the venue)
            log.info("cancel of %s: %s", client_id, exc)
            return
        except VenueError as exc:
            self._event(f"cancel {client_id} ({intent.reason}) failed: {exc}", client_id,
                        "cancel_failed", severity=Severity.WARNING)
            return
        if order.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
            self.ctx.store.orders.update_status(client_id, order.status,
                                                self.ctx.clock.now_ms(), reason=intent.reason)
        self._event(f"cancel {client_id}: {intent.reason}", client_id, order.status.value)

    def _event(self, message: str, client_id: str, status: str, *,
               severity: Severity = Severity.INFO, **data: object) -> None:
        self.ctx.emit(EventKind.ORDER, message, severity=severity,
                      data={"client_id": client_id, "status": status, **data})
