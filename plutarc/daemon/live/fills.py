"""A venue fill, applied exactly once: kernel, journal, fills, trades, position, events.

A forced fill (the venue liquidating the position) is adopted first (live/liquidation.py).
Fills come from the private stream, from the adapter's REST catch-up after a reconnect and
from our own catch-up after a restart, so the same execution can arrive several times. The
fills table is the judge: a fill id it already holds is ignored. Everything one fill causes
is written in one transaction, so a crash stores all of it or none (and the venue replays it).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from plutarc.daemon.chaos import failpoint
from plutarc.daemon.live.execution import LiveExecution
from plutarc.daemon.live.liquidation import adopt_forced
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.models import Fill, OrderStatus, Position
from plutarc.models.events import EventKind
from plutarc.strategy.intents import Intent
from plutarc.strategy.kernel import SymbolKernel


class FillApplier:
    def __init__(self, ctx: BotContext, kernel: SymbolKernel, execution: LiveExecution) -> None:
        self.ctx = ctx
        self.kernel = kernel
        self.execution = execution
        self.applied = 0
        self.forced: list[Fill] = []  # forced fills booked, awaiting settle_forced

    def apply(self, fill: Fill) -> list[Intent] | None:
        """The kernel's follow-up intents, or None when the fill is not ours or not new."""
        store, bot_id = self.ctx.store, self.ctx.bot_id
        if fill.kind.forced:  # the venue's liquidation engine: not our order, our position
            adopted = adopt_forced(self.ctx, self.kernel, fill)
            if adopted is None:
                return None
            fill = adopted
        order = store.orders.get(fill.client_id)
        if order is None or order.bot_id != bot_id:
            return None  # another bot's order, or one placed by hand
        fill = replace(fill, tag=order.tag or fill.tag)  # our tag survives a restart
        failpoint("after_fill")
        with store.transaction():
            if not store.fills.record(bot_id, fill):
                return None
            if fill.kind.forced:
                self.forced.append(fill)
            filled = order.filled_qty + fill.qty
            before = (order.avg_price or Decimal(0)) * order.filled_qty
            avg = (before + fill.price * fill.qty) / filled
            target = self.execution.order_qty.get(fill.client_id, order.qty)
            done = filled >= target
            self.execution.arrived(fill.client_id, fill.venue_order_id)
            intents, trade = self.kernel.on_fill(fill, done)
            status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
            store.orders.update_status(fill.client_id, status, self.ctx.clock.now_ms(),
                                       filled_qty=filled, avg_price=avg)
            self.ctx.emit(EventKind.FILL, f"fill {fill.side.value} {fill.qty} {fill.symbol} @ "
                          f"{fill.price} (fee {fill.fee} {fill.fee_currency})",
                          data={"client_id": fill.client_id, "fill_id": fill.fill_id,
                                "symbol": fill.symbol, "side": fill.side.value,
                                "qty": str(fill.qty), "price": str(fill.price),
                                "fee": str(fill.fee), "ts_ms": fill.ts_ms})
            if trade is not None:
                record = store.trades.insert(bot_id, trade)
                self.ctx.emit(EventKind.TRADE, f"trade {trade.direction.value} {trade.qty} "
                              f"{trade.symbol} {trade.entry_price} -> {trade.exit_price} net "
                              f"{record.net_pnl} ({trade.exit_reason})",
                              data={"trade_id": record.id, "symbol": trade.symbol,
                                    "net_pnl": str(record.net_pnl),
                                    "exit_reason": trade.exit_reason})
            position = self.position(fill.ts_ms)
            store.positions.upsert(bot_id, position)
            self.ctx.emit(EventKind.POSITION, f"{fill.symbol} position {position.qty} @ "
                          f"{position.entry_price}",
                          data={"symbol": fill.symbol, "qty": str(position.qty),
                                "entry_price": None if position.entry_price is None
                                else str(position.entry_price)})
        self.applied += 1
        return intents

    def position(self, ts_ms: int) -> Position:
        """The bot's own view of its position (the venue's may include others' trades)."""
        policy = self.kernel.policy
        opened = policy.tracker.open
        qty = policy.qty * policy.side
        entry = opened.entry_price if opened is not None and qty != 0 else None
        return Position(self.kernel.instrument.symbol, qty, entry, ts_ms=ts_ms)
