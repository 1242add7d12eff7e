"""The journal follows the sim venue for every order of ours, not only the cancels we send.

The sim closes orders by itself: the reduce-only stop of a position a take-profit just
closed, an OCO sibling, an expiry, a liquidation's sweep. The kernel's own cancel of such an
order then finds nothing open and is skipped, so without this the journal kept it ``new``
for ever (shown open on the Positions screen, counted by the gate, missed by health).
"""

from __future__ import annotations

from decimal import Decimal

from plutarc.daemon.runtime.protocol import BotContext
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.models import OrderStatus
from plutarc.models.events import EventKind


class JournalFollower:
    """One symbol's sim against the journal; call ``step`` after each live step."""

    def __init__(self, ctx: BotContext, sim: SimMatchingEngine) -> None:
        self.ctx = ctx
        self.sim = sim
        self._open: set[str] | None = None  # the sim's open orders at the last step

    def step(self, now_ms: int) -> int:
        """Journal rows of orders the sim no longer holds open get the sim's status (and
        why); returns how many changed."""
        now_open = set(self.sim.open)
        if self._open is None:  # the first live step (a restart too): start from the journal
            symbol = self.sim.instrument.symbol
            self._open = {r.client_id for r in self.ctx.store.orders.query(
                bot_id=self.ctx.bot_id, open_only=True, limit=10_000) if r.symbol == symbol}
        gone, self._open = self._open - now_open, now_open
        return sum(self._settle(client_id, now_ms) for client_id in sorted(gone))

    def _settle(self, client_id: str, now_ms: int) -> bool:
        order = self.sim.order(client_id)
        if order is None:  # rebuilt after a restart without it: it is not working
            status, why = OrderStatus.CANCELED, "the sim venue no longer knows this order"
            filled = price = None
        else:
            status, why = order.status, order.reject_reason or order.status.value
            filled, price = order.filled_qty, order.avg_price
        if status.is_open:
            return False
        if self.ctx.backlog.holding:  # a full disk: written after the rows held before it
            self.ctx.backlog.write(f"status of {client_id}", lambda: self._write(
                client_id, status, why, filled, price, now_ms))
            return True
        return self._write(client_id, status, why, filled, price, now_ms)

    def _write(self, client_id: str, status: OrderStatus, why: str, filled: Decimal | None,
               price: Decimal | None, now_ms: int) -> bool:
        journal = self.ctx.store.orders
        record = journal.get(client_id)
        if record is None or not OrderStatus(record.status).is_open:
            return False  # not ours, or already recorded (our cancel, a fill)
        journal.update_status(client_id, status, now_ms, filled_qty=filled, avg_price=price,
                              reason=f"by the venue: {why}")
        self.ctx.emit(EventKind.ORDER, f"{client_id} {status.value} by the venue: {why}",
                      data={"client_id": client_id, "status": status.value, "reason": why,
                            "by_venue": True})
        return True
