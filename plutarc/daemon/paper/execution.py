"""The paper execution layer: journal each intent, hand it to the sim venue, record the outcome."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from plutarc.daemon.runtime.protocol import BotContext
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.intents import execute_intent
from plutarc.models import Fill, OrderStatus
from plutarc.models.events import EventKind, Severity
from plutarc.strategy.intents import Amend, Cancel, Intent, Place

LatencyProbe = Callable[[float], None]
"""Called with perf_counter() each time an order is handed to the venue (benchmarks)."""


class PaperExecution:
    """One symbol's orders on the in-memory sim venue of a paper bot.

    Live: every Place is journaled durably BEFORE the sim sees it, then marked sent and acked.
    Catch-up (rebuilding the sim after a restart): orders already in the journal are replayed
    into the fresh sim without touching the store; the venue died with the old process, so
    this rebuilds it rather than re-sending anything.
    """

    def __init__(self, ctx: BotContext, sim: SimMatchingEngine,
                 probe: LatencyProbe | None = None) -> None:
        self.ctx = ctx
        self.sim = sim
        self.probe = probe
        self.diverged = False

    def apply(self, intents: Iterable[Intent], now_ms: int, live: bool) -> None:
        for intent in intents:
            if isinstance(intent, Place):
                self._place(intent, now_ms, live)
            elif isinstance(intent, Amend):
                execute_intent(self.sim, intent, now_ms)
                if live:
                    self._order_event(f"amend {intent.client_id}: {intent.reason}",
                                      intent.client_id, "amended")
            elif isinstance(intent, Cancel):
                if execute_intent(self.sim, intent, now_ms) is None:
                    continue  # no longer open: nothing to cancel
                if live and self.ctx.store.orders.get(intent.client_id) is not None:
                    self.ctx.store.orders.update_status(intent.client_id, OrderStatus.CANCELED,
                                                        now_ms, reason=intent.reason)
                    self._order_event(f"cancel {intent.client_id}: {intent.reason}",
                                      intent.client_id, "canceled")

    def _place(self, intent: Place, now_ms: int, live: bool) -> None:
        request = intent.request
        journal = self.ctx.store.orders
        known = journal.get(request.client_id) is not None
        if not live and not known:
            # The rebuilt history asks for an order the first run never journaled (it was
            # paused or flattened then): say so, and rebuild as if it had been placed.
            if not self.diverged:
                self.ctx.emit(EventKind.ACTIVITY, f"replay rebuild diverges from the journal at "
                              f"{request.client_id}", severity=Severity.WARNING)
            self.diverged = True
        if live and not known:
            journal.journal(self.ctx.bot_id, request, now_ms)
            journal.mark_sent(request.client_id, now_ms)
        if self.probe is not None and live:
            self.probe(time.perf_counter())
        order = execute_intent(self.sim, intent, now_ms)
        assert order is not None  # a placement always answers with the order
        if not live:
            return
        journal.mark_acked(request.client_id, order.venue_id, order.status, now_ms)
        if order.status is OrderStatus.REJECTED:
            journal.update_status(request.client_id, OrderStatus.REJECTED, now_ms,
                                  reason=order.reject_reason or "rejected by the sim venue")
        self._order_event(
            f"{request.side.value} {request.qty} {request.symbol} {request.type.value} "
            f"({intent.reason}): {order.status.value}", request.client_id, order.status.value,
            side=request.side.value, qty=str(request.qty), type=request.type.value,
            price=None if request.price is None else str(request.price),
            stop_price=None if request.stop_price is None else str(request.stop_price),
            reason=intent.reason)

    def settle_fill(self, fill: Fill, now_ms: int) -> None:
        """Bring the filled order's journal row up to date (live only; fills are batched)."""
        order = self.sim.order(fill.client_id)
        if order is not None and self.ctx.store.orders.get(fill.client_id) is not None:
            self.ctx.store.orders.update_status(fill.client_id, order.status, now_ms,
                                                filled_qty=order.filled_qty,
                                                avg_price=order.avg_price)

    def _order_event(self, message: str, client_id: str, status: str, **data: object) -> None:
        self.ctx.emit(EventKind.ORDER, message,
                      data={"client_id": client_id, "status": status, **data})
