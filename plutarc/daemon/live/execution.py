"""Orders of one live symbol: the risk gate, journal first, then the venue; doubt is looked up.

Place: the intent passes the bot's risk gate (a block is a RISK event; the order is never
journaled and the kernel forgets it), is journaled durably with the kernel's deterministic
client id, marked sent, then sent under the error policy (plutarc.risk.order_calls):
transient errors back off and retry, each retry asking the venue by client id first, so an
order is never sent blind twice; a final error pauses the bot until an operator clears it.
An answer that never comes leaves the order *in doubt*: it is looked up by client id on every
tick until the venue says what happened. An order the venue still does not know after
``give_up_s`` never arrived: the journal says so and the kernel stops waiting for it.
Amendments (stop moves, size changes) are merged per order and sent at most once per
``amend_interval_s``; a cancel drops any amendment still waiting.

A full disk never keeps a position open: an order that can only shrink exposure (reduce-only:
exits, flatten, protective stops) and every cancel go to the venue even when the journal
cannot be written; what could not be written is held by the bot's JournalBacklog
(daemon/runtime/backlog.py), in order with the fills that follow, and written as soon as the
disk has room (one ALERT says so). An entry is not sent while its intent cannot be journaled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from plutarc.daemon.chaos import failpoint
from plutarc.daemon.live.guard import LiveGuard
from plutarc.daemon.live.kernel_state import forget_order
from plutarc.daemon.ops.operator import hold_from_worker
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.errors import FinalVenueError, OrderRejected, VenueError
from plutarc.exchanges.base import Venue
from plutarc.models import Order, OrderRequest, OrderStatus
from plutarc.models.events import EventKind, Severity
from plutarc.risk.order_calls import ExecutionCounters, cancel_order, place_order
from plutarc.risk.policy import Backoff, retry_transient
from plutarc.strategy.intents import Amend, Cancel, Intent, Place
from plutarc.strategy.kernel import SymbolKernel

log = logging.getLogger(__name__)

AMEND_BACKOFF = Backoff(base_s=0.5, cap_s=5.0, attempts=3)


@dataclass
class WaitingAmend:
    stop_price: Decimal | None
    qty: Decimal | None
    reason: str


class LiveExecution:
    def __init__(self, ctx: BotContext, venue: Venue, kernel: SymbolKernel, guard: LiveGuard,
                 *, amend_interval_s: float = 1.0, give_up_s: float = 30.0) -> None:
        self.ctx = ctx
        self.venue = venue
        self.kernel = kernel
        self.guard = guard
        self.counters = ExecutionCounters()
        self.amend_interval_ms = int(amend_interval_s * 1000)
        self.give_up_ms = int(give_up_s * 1000)
        self.in_doubt: dict[str, int] = {}  # client id -> when the doubt began (ms)
        # Sent while a full disk kept their intent out of the journal (held until it has room).
        self.unjournaled: dict[str, OrderRequest] = {}
        self.order_qty: dict[str, Decimal] = {}  # amended quantities, by client id
        self._amends: dict[str, WaitingAmend] = {}
        self._last_amend_ms: dict[str, int] = {}
        self.sent = 0

    # intents -----------------------------------------------------------------------------
    async def apply(self, intents: list[Intent]) -> None:
        self.record_late()
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
        if journal.known(request.client_id):
            # only a kernel rebuilt after a restart can ask again: the first ask stands
            log.info("order %s is journaled already; not sending it again", request.client_id)
            return
        now = self.ctx.clock.now_ms()
        verdict = self.guard.check(request, self.kernel, now)
        if verdict.request is None:
            forget_order(self.kernel, request.client_id)  # never journaled, never sent
            return
        request = verdict.request
        if not self.ctx.backlog.journal_first(request, now):
            cid = request.client_id
            if not request.reduce_only:
                forget_order(self.kernel, cid)  # no new risk unjournaled
                self._event(f"{cid} not sent: the disk is full and its intent could not be "
                            "journaled", cid, "not_sent", severity=Severity.ERROR)
                return
            # it reduces or protects: it goes out all the same, its record held for the disk
            self.unjournaled[cid] = request
            self.ctx.backlog.write(f"journal of {cid}", lambda: self._journal_late(request, now))
        self.guard.sent(now)
        self.sent += 1
        try:
            placed = await place_order(self._sender(request), self.venue.order_by_client_id,
                                       self.counters, sleep=self.ctx.sleep)
        except FinalVenueError as exc:
            self._refused(request.client_id, exc)
            return
        except VenueError as exc:  # transient errors that outlasted the retries: ask, later
            self._doubt(request.client_id, str(exc))
            return
        failpoint("after_send")
        if placed.order is None:
            self._doubt(request.client_id, "no answer and not found by client id yet")
            return
        self._acked(placed.order)
        order = placed.order
        self._event(
            f"{request.side.value} {request.qty} {request.symbol} {request.type.value}"
            f"{'' if request.stop_price is None else f' stop {request.stop_price}'}"
            f"{' reduce-only' if request.reduce_only else ''} ({intent.reason}): "
            f"{order.status.value}", request.client_id, order.status.value,
            side=request.side.value, qty=str(request.qty), type=request.type.value,
            stop_price=None if request.stop_price is None else str(request.stop_price),
            reduce_only=request.reduce_only, reason=intent.reason)


    def _journal_late(self, request: OrderRequest, now: int) -> None:
        journal = self.ctx.store.orders
        with self.ctx.store.db.transaction(durable=True):
            if journal.get(request.client_id) is None:
                journal.journal(self.ctx.bot_id, request, now)
            journal.mark_sent(request.client_id, now)
        self.unjournaled.pop(request.client_id, None)

    def _sender(self, request: OrderRequest):  # noqa: ANN202 - () -> Awaitable[Order]
        """The send for place_order: a retry first asks the venue by client id, so an
        attempt that did arrive is found, not sent a second time."""
        attempts = 0

        async def send() -> Order:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                found = await self.venue.order_by_client_id(request.client_id)
                if found is not None:
                    return found
            return await self.venue.place_order(request)

        return send

    def _doubt(self, client_id: str, why: str) -> None:
        self.in_doubt[client_id] = self.ctx.clock.now_ms()
        self._event(f"order {client_id}: {why}; looking it up by client id (never resent)",
                    client_id, "in_doubt", severity=Severity.WARNING)

    def _acked(self, order: Order) -> None:
        journal, now = self.ctx.store.orders, self.ctx.clock.now_ms()
        self._record(order.client_id, f"ack of {order.client_id}",
                     lambda: journal.mark_acked(order.client_id, order.venue_id, order.status,
                                                now))
        if order.status is OrderStatus.REJECTED:
            self._refused(order.client_id, OrderRejected(order.reject_reason
                                                         or "rejected by the venue"))
        elif order.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED) and (
                order.filled_qty == 0):
            self._record(order.client_id, f"status of {order.client_id}",
                         lambda: journal.update_status(order.client_id, order.status, now))
            forget_order(self.kernel, order.client_id)

    # a full disk ---------------------------------------------------------------------------
    def _record(self, client_id: str, what: str, write: Callable[[], object]) -> None:
        """A journal write; refused by a full disk (or behind writes that were), it is held
        by the bot's backlog and written, in order, when the disk has room."""
        self.ctx.backlog.write(what, write)

    def record_late(self) -> int:
        """Write what a full disk held back, in order; how many writes still wait."""
        return self.ctx.backlog.flush()

    def is_open(self, client_id: str) -> bool:
        """Open by the journal, or sent while a full disk kept it out of the journal."""
        if client_id in self.unjournaled:
            return True
        record = self.ctx.store.orders.get(client_id)
        return record is not None and OrderStatus(record.status).is_open

    def _gone(self, client_id: str, reason: str) -> None:
        """The order never arrived: journaled as rejected, the kernel stops waiting for it."""
        now = self.ctx.clock.now_ms()
        self._record(client_id, f"status of {client_id}",
                     lambda: self.ctx.store.orders.update_status(
                         client_id, OrderStatus.REJECTED, now, reason=reason))
        forget_order(self.kernel, client_id)
        self.ctx.emit(EventKind.ALERT, f"order {client_id} at {self.venue.name}: {reason}",
                      severity=Severity.WARNING, data={"client_id": client_id, "reason": reason})

    def _refused(self, client_id: str, exc: FinalVenueError) -> None:
        """A final venue error: never retried; the bot waits for an operator (exits go on)."""
        now = self.ctx.clock.now_ms()
        self._record(client_id, f"status of {client_id}",
                     lambda: self.ctx.store.orders.update_status(
                         client_id, OrderStatus.REJECTED, now, reason=str(exc)))
        forget_order(self.kernel, client_id)
        self._event(f"{client_id} rejected by {self.venue.name}: {exc}", client_id,
                    "rejected", severity=Severity.WARNING)
        self.hold(f"{type(exc).__name__}: {exc}", client_id)

    def hold(self, reason: str, client_id: str) -> None:
        if not self.ctx.bot.needs_operator:
            hold_from_worker(self.ctx, reason, {"client_id": client_id, "venue": self.venue.name})

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
                self._gone(client_id, "never reached the venue (not found by client id for "
                           f"{self.give_up_ms / 1000:g} s); not resent")

    def arrived(self, client_id: str, venue_order_id: str) -> None:
        """A fill proves an order in doubt arrived."""
        if self.in_doubt.pop(client_id, None) is not None:
            now = self.ctx.clock.now_ms()
            self._record(client_id, f"ack of {client_id}",
                         lambda: self.ctx.store.orders.mark_acked(
                             client_id, venue_order_id, OrderStatus.NEW, now))

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
            if not self.is_open(client_id):
                continue
            if client_id in self.in_doubt:
                self._amends[client_id] = waiting  # after the doubt is resolved
                continue
            self._last_amend_ms[client_id] = now
            try:
                order = await retry_transient(
                    lambda cid=client_id, w=waiting: self.venue.amend_order(
                        cid, qty=w.qty, stop_price=w.stop_price), AMEND_BACKOFF,
                    sleep=self.ctx.sleep)
            except OrderRejected as exc:  # gone meanwhile (filled, cancelled): nothing to move
                self._event(f"amend {client_id} ({waiting.reason}) refused: {exc}", client_id,
                            "amend_failed", severity=Severity.WARNING)
                continue
            except FinalVenueError as exc:
                self.hold(f"amend {client_id}: {type(exc).__name__}: {exc}", client_id)
                continue
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
        if not self.is_open(client_id):
            return
        try:
            order = await cancel_order(lambda: self.venue.cancel_order(client_id), self.counters,
                                       sleep=self.ctx.sleep)
        except OrderRejected as exc:  # gone already (filled, or cancelled by the venue)
            log.info("cancel of %s: %s", client_id, exc)
            await self._closed_by_venue(client_id)
            return
        except FinalVenueError as exc:
            self.hold(f"cancel {client_id}: {type(exc).__name__}: {exc}", client_id)
            return
        except VenueError as exc:
            self._event(f"cancel {client_id} ({intent.reason}) failed: {exc}", client_id,
                        "cancel_failed", severity=Severity.WARNING)
            return
        if order.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
            now = self.ctx.clock.now_ms()
            self._record(client_id, f"cancel of {client_id}",
                         lambda: self.ctx.store.orders.update_status(
                             client_id, order.status, now, reason=intent.reason))
        self._event(f"cancel {client_id}: {intent.reason}", client_id, order.status.value)

    async def _closed_by_venue(self, client_id: str) -> None:
        """Our cancel found the order gone: the journal takes the venue's word for what
        became of it (an OCO sibling or a reduce-only order cancelled on a flat position
        stayed 'new' in the journal for ever). Fills record themselves."""
        try:
            order = await self.venue.order_by_client_id(client_id)
        except VenueError as exc:  # the periodic check asks again
            log.warning("lookup of %s after a refused cancel failed: %s", client_id, exc)
            return
        if order is None or order.status.is_open or order.status is OrderStatus.FILLED:
            return
        why = order.reject_reason or order.status.value
        now = self.ctx.clock.now_ms()
        self._record(client_id, f"status of {client_id}",
                     lambda: self.ctx.store.orders.update_status(
                         client_id, order.status, now, reason=f"by the venue: {why}"))
        forget_order(self.kernel, client_id)
        self._event(f"{client_id} was {order.status.value} by the venue: {why}", client_id,
                    order.status.value, by_venue=True)

    def _event(self, message: str, client_id: str, status: str, *,
               severity: Severity = Severity.INFO, **data: object) -> None:
        self.ctx.emit(EventKind.ORDER, message, severity=severity,
                      data={"client_id": client_id, "status": status, **data})
