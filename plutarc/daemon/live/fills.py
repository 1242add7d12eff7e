"""A venue fill, applied exactly once: kernel, journal, fills, trades, position, events.

A forced fill (the venue liquidating the position) is adopted first (live/liquidation.py).
Fills come from the private stream, from the adapter's REST catch-up after a reconnect and
from our own catch-up after a restart, so the same execution can arrive several times. The
fills table is the judge: a fill id it already holds is ignored. Everything one fill causes
is written in one transaction, so a crash stores all of it or none (and the venue replays it).

On a full disk the fill still moves the kernel (the position in memory stays right, the
follow-up cancels and stops still go out); its booking is held by the bot's JournalBacklog,
behind the journal rows of its order, and written as it would have been once the disk has
room. Fill ids held there count as known, and each order's filled quantity so far is kept in
memory until its row is current, so a fill is applied once and a partial fill adds up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from plutarc.daemon.chaos import failpoint
from plutarc.daemon.live.execution import LiveExecution
from plutarc.daemon.live.liquidation import LIQUIDATION_TAG, adopt_forced
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.models import Fill, OrderStatus, Position, Trade
from plutarc.models.events import EventKind
from plutarc.strategy.intents import Intent
from plutarc.strategy.kernel import SymbolKernel


@dataclass(frozen=True)
class Booking:
    """What one fill writes, computed when it arrived."""

    fill: Fill
    status: OrderStatus
    filled: Decimal
    avg: Decimal
    trade: Trade | None
    position: Position
    now_ms: int


class FillApplier:
    def __init__(self, ctx: BotContext, kernel: SymbolKernel, execution: LiveExecution) -> None:
        self.ctx = ctx
        self.kernel = kernel
        self.execution = execution
        self.applied = 0
        self.forced: list[Fill] = []  # forced fills booked, awaiting settle_forced
        self.held: set[str] = set()  # fill ids whose booking waits for the disk
        self.filled: dict[str, tuple[Decimal, Decimal]] = {}  # client id -> (filled, avg)

    def apply(self, fill: Fill) -> list[Intent] | None:
        """The kernel's follow-up intents, or None when the fill is not ours or not new."""
        store = self.ctx.store
        if fill.kind.forced:  # the venue's liquidation engine: not our order, our position
            adopted = adopt_forced(self.ctx, self.kernel, fill)
            if adopted is None:
                return None
            fill = adopted
        progress = self._progress(fill)
        if progress is None:
            return None  # another bot's order, or one placed by hand
        qty, filled_before, avg_before, tag = progress
        fill = replace(fill, tag=tag or fill.tag)  # our tag survives a restart
        failpoint("after_fill")
        if fill.fill_id in self.held or store.fills.known(fill.fill_id):
            return None
        if fill.kind.forced:
            self.forced.append(fill)
        filled = filled_before + fill.qty
        avg = ((avg_before or Decimal(0)) * filled_before + fill.price * fill.qty) / filled
        done = filled >= self.execution.order_qty.get(fill.client_id, qty)
        self.execution.arrived(fill.client_id, fill.venue_order_id)
        intents, trade = self.kernel.on_fill(fill, done)
        status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
        booking = Booking(fill, status, filled, avg, trade, self.position(fill.ts_ms),
                          self.ctx.clock.now_ms())
        self.filled[fill.client_id] = (filled, avg)
        self.held.add(fill.fill_id)
        self.ctx.backlog.write(f"fill {fill.fill_id} of {fill.client_id}",
                               lambda: self._book(booking))
        self.applied += 1
        return intents

    def _progress(self, fill: Fill) -> tuple[Decimal, Decimal, Decimal | None, str] | None:
        """(order qty, filled so far, average price so far, tag) of our order, or None."""
        order = self.ctx.store.orders.get(fill.client_id)
        if order is not None and order.bot_id != self.ctx.bot_id:
            return None
        if order is not None:
            qty, tag = order.qty, order.tag
        elif (request := self.execution.unjournaled.get(fill.client_id)) is not None:
            qty, tag = request.qty, request.tag  # sent while its journal row is held
        elif fill.tag == LIQUIDATION_TAG:
            qty, tag = fill.qty, LIQUIDATION_TAG  # adopted, its journal row held
        else:
            return None
        if fill.client_id in self.filled:
            return (qty, *self.filled[fill.client_id], tag)
        if order is None:
            return qty, Decimal(0), None, tag
        return qty, order.filled_qty, order.avg_price, tag

    def _book(self, b: Booking) -> None:
        """Write what one fill causes, in one transaction; events follow the commit."""
        store, bot_id, fill = self.ctx.store, self.ctx.bot_id, b.fill
        with store.transaction():
            new = store.fills.record(bot_id, fill)
            if new:
                store.orders.update_status(fill.client_id, b.status, b.now_ms,
                                           filled_qty=b.filled, avg_price=b.avg)
                record = None if b.trade is None else store.trades.insert(bot_id, b.trade)
                store.positions.upsert(bot_id, b.position)
        self.held.discard(fill.fill_id)
        if self.filled.get(fill.client_id, (None,))[0] == b.filled:
            del self.filled[fill.client_id]  # the journal row is current again
        if not new:
            return
        self.ctx.emit(EventKind.FILL, f"fill {fill.side.value} {fill.qty} {fill.symbol} @ "
                      f"{fill.price} (fee {fill.fee} {fill.fee_currency})",
                      data={"client_id": fill.client_id, "fill_id": fill.fill_id,
                            "symbol": fill.symbol, "side": fill.side.value,
                            "qty": str(fill.qty), "price": str(fill.price),
                            "fee": str(fill.fee), "ts_ms": fill.ts_ms})
        if b.trade is not None and record is not None:
            trade = b.trade
            self.ctx.emit(EventKind.TRADE, f"trade {trade.direction.value} {trade.qty} "
                          f"{trade.symbol} {trade.entry_price} -> {trade.exit_price} net "
                          f"{record.net_pnl} ({trade.exit_reason})",
                          data={"trade_id": record.id, "symbol": trade.symbol,
                                "net_pnl": str(record.net_pnl),
                                "exit_reason": trade.exit_reason})
        position = b.position
        self.ctx.emit(EventKind.POSITION, f"{fill.symbol} position {position.qty} @ "
                      f"{position.entry_price}",
                      data={"symbol": fill.symbol, "qty": str(position.qty),
                            "entry_price": None if position.entry_price is None
                            else str(position.entry_price)})

    def position(self, ts_ms: int) -> Position:
        """The bot's own view of its position (the venue's may include others' trades)."""
        policy = self.kernel.policy
        opened = policy.tracker.open
        qty = policy.qty * policy.side
        entry = opened.entry_price if opened is not None and qty != 0 else None
        return Position(self.kernel.instrument.symbol, qty, entry, ts_ms=ts_ms)
