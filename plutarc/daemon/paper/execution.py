"""The paper execution layer: journal each intent, hand it to the sim venue, record the outcome.

A full disk is met as the live worker meets it (daemon/runtime/backlog.py): an order that can
only reduce or protect (reduce-only) still reaches the sim, its journal rows held in order
with everything after it until the disk has room; an entry is not placed unjournaled.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial

from plutarc.daemon.chaos import failpoint
from plutarc.daemon.ops.operator import hold_from_worker
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.errors import FinalVenueError
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.intents import execute_intent
from plutarc.models import Fill, OrderRequest, OrderStatus
from plutarc.models.events import EventKind, Severity
from plutarc.risk.gate import GateLimits, RiskGate, Verdict
from plutarc.risk.gate_events import announce
from plutarc.risk.sim_view import sim_market_view
from plutarc.strategy.intents import Amend, Cancel, Intent, Place
from plutarc.strategy.kernel import SymbolKernel

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
                 probe: LatencyProbe | None = None, gate: RiskGate | None = None) -> None:
        self.ctx = ctx
        self.sim = sim
        self.probe = probe
        self.diverged = False
        # One gate per bot (the velocity limit counts every symbol); limits follow the config.
        self.gate = gate or RiskGate(GateLimits.from_risk(ctx.config.risk))
        self._gate_risk = ctx.config.risk
        self.kernel_of: Callable[[], SymbolKernel] | None = None  # tells the kernel of refusals
        self.refusals: list[str] = []  # the gate's refusals since the worker last took them

    def apply(self, intents: Iterable[Intent], now_ms: int, live: bool) -> None:
        """Every intent reaches the sim in order; the records of cancels and amendments are
        written after the batch's placements, so an exit that follows the cancel of its
        stop is not kept waiting for two journal updates (placements stay journal-first)."""
        records: list[Callable[[], None]] = []
        for intent in intents:
            if isinstance(intent, Place):
                self._place(intent, now_ms, live)
            elif isinstance(intent, Amend):
                try:
                    execute_intent(self.sim, intent, now_ms)
                except FinalVenueError as exc:
                    self._refused(intent.client_id, exc, now_ms, live)
                    continue
                if live:
                    records.append(partial(self._order_event, f"amend {intent.client_id}: "
                                           f"{intent.reason}", intent.client_id, "amended"))
            elif isinstance(intent, Cancel):
                if execute_intent(self.sim, intent, now_ms) is None:
                    continue  # no longer open: nothing to cancel
                if live:
                    records.append(partial(self._record_cancel, intent, now_ms))
        for record in records:
            record()

    def _record_cancel(self, intent: Cancel, now_ms: int) -> None:
        def write() -> None:  # held on a full disk: the journal row may be held before it
            if self.ctx.store.orders.get(intent.client_id) is not None:
                self.ctx.store.orders.update_status(intent.client_id, OrderStatus.CANCELED,
                                                    now_ms, reason=intent.reason)
                self._order_event(f"cancel {intent.client_id}: {intent.reason}",
                                  intent.client_id, "canceled")

        self.ctx.backlog.write(f"cancel of {intent.client_id}", write)

    def _place(self, intent: Place, now_ms: int, live: bool) -> None:
        verdict = self._check(intent.request, now_ms)
        if live:
            refusal = announce(self.ctx, intent.request, verdict)
            if refusal is not None:
                self.refusals.append(refusal)
        if verdict.request is None:
            self._forget(intent.request.client_id)
            return
        intent = Place(verdict.request, intent.reason)
        self.gate.sent(now_ms)
        request = intent.request
        journal = self.ctx.store.orders
        known = journal.known(request.client_id)
        if not live and not known:
            # The rebuilt history asks for an order the first run never journaled (it was
            # paused or flattened then): say so, and rebuild as if it had been placed.
            if not self.diverged:
                self.ctx.emit(EventKind.ACTIVITY, f"replay rebuild diverges from the journal at "
                              f"{request.client_id}", severity=Severity.WARNING)
            self.diverged = True
        if live and not known and not self.ctx.backlog.journal_first(request, now_ms):
            if not request.reduce_only:  # no new risk unjournaled
                self._forget(request.client_id)
                self._order_event(f"{request.client_id} not placed: the disk is full and its "
                                  "intent could not be journaled", request.client_id,
                                  "not_sent")
                return
            self.ctx.backlog.write(f"journal of {request.client_id}",
                                   partial(self._journal_late, request, now_ms))
        if self.probe is not None and live:
            self.probe(time.perf_counter())
        try:
            order = execute_intent(self.sim, intent, now_ms)
        except FinalVenueError as exc:  # rejected: nothing is open at the venue
            self._refused(request.client_id, exc, now_ms, live)
            return
        assert order is not None  # a placement always answers with the order
        if not live:
            return
        failpoint("after_send")
        self.ctx.backlog.write(f"ack of {request.client_id}", partial(
            journal.mark_acked, request.client_id, order.venue_id, order.status, now_ms))
        self._order_event(
            f"{request.side.value} {request.qty} {request.symbol} {request.type.value} "
            f"({intent.reason}): {order.status.value}", request.client_id, order.status.value,
            side=request.side.value, qty=str(request.qty), type=request.type.value,
            price=None if request.price is None else str(request.price),
            stop_price=None if request.stop_price is None else str(request.stop_price),
            reason=intent.reason)


    def _journal_late(self, request: OrderRequest, now_ms: int) -> None:
        journal = self.ctx.store.orders
        with self.ctx.store.db.transaction(durable=True):
            if journal.get(request.client_id) is None:
                journal.journal(self.ctx.bot_id, request, now_ms)
            journal.mark_sent(request.client_id, now_ms)

    def _check(self, request: OrderRequest, now_ms: int) -> Verdict:
        risk = self.ctx.config.risk
        if risk is not self._gate_risk:
            self.gate.limits, self._gate_risk = GateLimits.from_risk(risk), risk
        policy = self.kernel_of().policy if self.kernel_of is not None else None
        view = sim_market_view(self.sim, policy, request)  # the very view a backtest builds
        return self.gate.check(request, view, self.sim.instrument, now_ms)

    def take_refusals(self) -> list[str]:
        """The gate's refusals since the last call (for the decision's skip reasons)."""
        refusals, self.refusals = self.refusals, []
        return refusals

    def _forget(self, client_id: str) -> None:
        if self.kernel_of is not None:
            self.kernel_of().policy.forget(client_id)

    def _refused(self, client_id: str, exc: FinalVenueError, now_ms: int, live: bool) -> None:
        """A final venue error: never retried; the bot waits for an operator (exits go on)."""
        self._forget(client_id)
        if not live:
            return  # the first run held the bot already
        def write() -> None:
            if self.ctx.store.orders.get(client_id) is not None:
                self.ctx.store.orders.update_status(client_id, OrderStatus.REJECTED, now_ms,
                                                    reason=str(exc))
                self._order_event(f"{client_id} rejected: {exc}", client_id, "rejected")

        self.ctx.backlog.write(f"rejection of {client_id}", write)
        hold_from_worker(self.ctx, f"{type(exc).__name__}: {exc}",
                         {"client_id": client_id, "error": type(exc).__name__})

    def settle_fill(self, fill: Fill, now_ms: int) -> None:
        """Bring the filled order's journal row up to date (live only; fills are batched)."""
        failpoint("after_fill")
        order = self.sim.order(fill.client_id)
        if order is None:
            return
        status, filled, avg = order.status, order.filled_qty, order.avg_price

        def write() -> None:  # held on a full disk, after the order's own journal rows
            if self.ctx.store.orders.get(fill.client_id) is not None:
                self.ctx.store.orders.update_status(fill.client_id, status, now_ms,
                                                    filled_qty=filled, avg_price=avg)

        self.ctx.backlog.write(f"fill status of {fill.client_id}", write)

    def _order_event(self, message: str, client_id: str, status: str, **data: object) -> None:
        self.ctx.emit(EventKind.ORDER, message,
                      data={"client_id": client_id, "status": status, **data})
