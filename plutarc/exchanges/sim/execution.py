"""Executor turns a match into a Fill and books it (position, wallet, fees, orders, liquidation)."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.ledger import SimPosition
from plutarc.exchanges.sim.working import WorkingOrder
from plutarc.models import Fill, FillKind, Instrument, Liquidity, OrderStatus, Side, TimeInForce
from plutarc.models import contract_math as cm

ZERO = Decimal(0)


class Executor:
    """The booking half of the matching engine (mixed into SimMatchingEngine)."""

    instrument: Instrument
    account: SimAccount
    position: SimPosition
    settle: str
    maker_rate: Decimal
    taker_rate: Decimal
    orders: dict[str, WorkingOrder]
    open: dict[str, WorkingOrder]
    keep_closed_orders: int | None
    _closed: deque[WorkingOrder]
    reserved: Decimal
    liquidations: int
    _fill_seq: int
    _budget: Decimal | None

    def _execute(
        self, w: WorkingOrder, price: Decimal, maker: bool, ts_ms: int, fills: list[Fill]
    ) -> None:
        """Fill as much of ``w`` as reduce-only and the bar's volume budget allow, at ``price``."""
        req = w.request
        qty = req.qty - w.filled
        if req.reduce_only:
            held = self.position.qty
            if held == 0 or (held > 0) == w.is_buy:
                self._close(
                    w, OrderStatus.CANCELED, "reduce-only: no position left to reduce", ts_ms
                )
                return
            if qty > abs(held):
                qty = abs(held)
        budget = self._budget
        if budget is not None:
            if qty > budget:
                if req.time_in_force is TimeInForce.FOK:
                    self._close(w, OrderStatus.EXPIRED, "fill-or-kill: bar volume too small", ts_ms)
                    return
                qty = budget
            if qty <= 0:
                return
            self._budget = budget - qty
        inst = self.instrument
        fee = cm.fee(inst, qty, price, self.maker_rate if maker else self.taker_rate)
        was_long = self.position.qty > 0
        realised = self.position.apply(qty if w.is_buy else -qty, price)
        self.account.book_trade(self.settle, realised, fee)
        w.avg = price if w.avg is None else cm.average_entry(inst, w.filled, w.avg, qty, price)
        if w.reserved:
            self._release(w, w.reserved * qty / (req.qty - w.filled))
        w.filled += qty
        w.updated_ms = ts_ms
        self._fill_seq += 1
        fills.append(
            Fill(
                f"{inst.symbol}-{self._fill_seq}",
                req.client_id,
                w.venue_id,
                inst.symbol,
                req.side,
                qty,
                price,
                fee,
                self.settle,
                Liquidity.MAKER if maker else Liquidity.TAKER,
                ts_ms,
                req.tag,
            )
        )
        if w.filled == req.qty:
            self._close(w, OrderStatus.FILLED, "", ts_ms)
        else:
            w.status = OrderStatus.PARTIALLY_FILLED
        held = self.position.qty
        if self.open and (held == 0 or (held > 0) != was_long):
            self._sweep_reduce_only(ts_ms)

    def _close(self, w: WorkingOrder, status: OrderStatus, reason: str, ts_ms: int) -> None:
        w.status = status
        w.reason = reason
        w.updated_ms = ts_ms
        if w.reserved:
            self._release(w, w.reserved)
        self.open.pop(w.request.client_id, None)
        self._retire(w)

    def _retire(self, w: WorkingOrder) -> None:
        """``w`` is finished: remember it among the last ``keep_closed_orders`` finished."""
        keep = self.keep_closed_orders
        if keep is None:
            return
        closed = self._closed
        closed.append(w)
        while len(closed) > keep:
            old = closed.popleft()
            cid = old.request.client_id
            if self.orders.get(cid) is old:  # not a later order that reused the id
                del self.orders[cid]

    def _release(self, w: WorkingOrder, amount: Decimal) -> None:
        w.reserved -= amount
        self.reserved -= amount

    def _sweep_reduce_only(self, ts_ms: int) -> None:
        """Cancel the reduce-only orders a flat or flipped position leaves nothing to reduce."""
        held = self.position.qty
        for w in list(self.open.values()):
            if w.request.reduce_only and (held == 0 or (held > 0) == w.is_buy):
                reason = "position closed" if held == 0 else "position flipped"
                self._close(w, OrderStatus.CANCELED, f"reduce-only: {reason}", ts_ms)

    def _liquidate(self, ts_ms: int, fills: list[Fill]) -> None:
        """Close the whole position at its liquidation price as a taker. The isolated margin
        is lost: what the loss at that price leaves of it is charged as a clearance fee."""
        pos, inst = self.position, self.instrument
        qty = pos.qty
        assert pos.liq is not None
        is_buy = qty < 0
        price = inst.round_price(pos.liq, "up" if is_buy else "down")
        if price <= 0:
            price = inst.tick_size
        margin = pos.margin()
        fee = cm.fee(inst, qty, price, self.taker_rate)
        realised = pos.apply(-qty, price)
        clearance = max(ZERO, margin + realised)
        self.account.book_trade(self.settle, realised, fee + clearance)
        self.liquidations += 1
        self._fill_seq += 1
        fills.append(
            Fill(
                f"{inst.symbol}-{self._fill_seq}",
                f"liquidation-{self.liquidations}",
                "",
                inst.symbol,
                Side.BUY if is_buy else Side.SELL,
                abs(qty),
                price,
                fee + clearance,
                self.settle,
                Liquidity.TAKER,
                ts_ms,
                "liquidation",
                {"liquidation": "true", "clearance_fee": str(clearance)},
                FillKind.LIQUIDATION,  # the venue's engine, not an order of ours
            )
        )
        self._sweep_reduce_only(ts_ms)
