"""Carrying a bot's order intents out on the sim engine: the one way paper and backtest do it."""

from __future__ import annotations

from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.working import WorkingOrder
from plutarc.models import Fill, Order, OrderStatus
from plutarc.strategy.intents import Amend, Intent, Place


def execute_intent(sim: SimMatchingEngine, intent: Intent, now_ms: int) -> Order | None:
    """Submit, amend or cancel; a cancel of an order no longer open is skipped (None)."""
    w = carry_out(sim, intent, now_ms)
    return None if w is None else w.snapshot()


def carry_out(sim: SimMatchingEngine, intent: Intent, now_ms: int) -> WorkingOrder | None:
    """``execute_intent`` without the Order snapshot: the engine's record of the order, None
    for a skipped cancel. The backtester calls this (it keeps no snapshot per order)."""
    if isinstance(intent, Place):
        return sim.place(intent.request, now_ms)
    if isinstance(intent, Amend):
        return sim.change(intent.client_id, qty=intent.qty, stop_price=intent.stop_price,
                          now_ms=now_ms)
    # the engine's own records, read without building an Order snapshot per lookup
    w = sim.orders.get(intent.client_id)
    if w is None or not w.status.is_open:
        return None
    return sim.withdraw(intent.client_id, now_ms)


def fill_completes_order(sim: SimMatchingEngine, fill: Fill) -> bool:
    """False while the fill's order is still partially filled."""
    w = sim.orders.get(fill.client_id)
    return w is None or w.status is not OrderStatus.PARTIALLY_FILLED


__all__ = ["carry_out", "execute_intent", "fill_completes_order"]
