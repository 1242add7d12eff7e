"""Round trips from fills: the one place where a position's fills become Trades."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from plutarc.models import Direction, Fill, Instrument, Trade
from plutarc.models.contract_math import average_entry, pnl

ZERO = Decimal(0)


@dataclass
class OpenTrade:
    direction: Direction
    qty: Decimal
    entry_price: Decimal
    entry_ts_ms: int
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    gross: Decimal = ZERO
    exit_qty: Decimal = ZERO
    exit_value: Decimal = ZERO  # sum of qty x price of exits, for the average exit price
    best: float = 0.0
    worst: float = 0.0
    snapshot: dict[str, float] = field(default_factory=dict)


class TradeTracker:
    """Feeds fills in order; returns a Trade each time the position returns to flat.

    A fill that flips the position closes the trade and opens the next one with the rest.
    """

    def __init__(self, instrument: Instrument) -> None:
        self.inst = instrument
        self.open: OpenTrade | None = None
        self.position = ZERO

    def observe(self, high: float, low: float) -> None:
        """Price range seen while the trade is open (for MFE/MAE)."""
        t = self.open
        if t is not None:
            t.best = max(t.best, high) if t.direction is Direction.LONG else min(t.best, low)
            t.worst = min(t.worst, low) if t.direction is Direction.LONG else max(t.worst, high)

    def add_funding(self, amount: Decimal) -> None:
        if self.open is not None:
            self.open.funding += amount

    def on_fill(self, fill: Fill, exit_reason: str = "",
                snapshot: dict[str, float] | None = None) -> Trade | None:
        signed = fill.qty * fill.side.sign
        closed: Trade | None = None
        remaining = signed
        fee_left = fill.fee
        if self.open is not None and (signed > 0) != (self.position > 0):
            t = self.open
            close_qty = min(abs(signed), abs(self.position))
            share = close_qty / abs(signed)
            fee_part = fill.fee * share
            fee_left -= fee_part
            t.fees += fee_part
            t.gross += pnl(self.inst, close_qty * t.direction.sign, t.entry_price, fill.price)
            t.exit_qty += close_qty
            t.exit_value += close_qty * fill.price
            self.position += close_qty * (1 if signed > 0 else -1)
            remaining = signed - close_qty * (1 if signed > 0 else -1)
            if self.position == 0:
                closed = self._close(fill.ts_ms, exit_reason or fill.tag)
        if remaining != 0:
            self._add(remaining, fill, fee_left, snapshot)
        return closed

    def mark_open(self, ts_ms: int, price: Decimal) -> Trade | None:
        """The open trade as if closed at ``price`` (no exit fee), labelled ``open``; None
        when flat. The end of a backtest reports the position it still holds this way."""
        t = self.open
        if t is None:
            return None
        entry = float(t.entry_price)
        sign = t.direction.sign
        mark = float(price)
        left = t.qty - t.exit_qty  # a partly closed position: what is still held
        best = max(t.best, mark) if sign > 0 else min(t.best, mark)
        worst = min(t.worst, mark) if sign > 0 else max(t.worst, mark)
        return Trade(
            symbol=self.inst.symbol, direction=t.direction, qty=t.qty,
            entry_ts_ms=t.entry_ts_ms, entry_price=t.entry_price, exit_ts_ms=ts_ms,
            exit_price=(t.exit_value + left * price) / t.qty,
            gross_pnl=t.gross + pnl(self.inst, left * sign, t.entry_price, price),
            fees=t.fees, funding=t.funding, exit_reason="open",
            mfe=(best - entry) * sign / entry, mae=(worst - entry) * sign / entry,
            entry_snapshot=t.snapshot,
        )

    def _add(self, signed: Decimal, fill: Fill, fee: Decimal,
             snapshot: dict[str, float] | None) -> None:
        qty = abs(signed)
        price = float(fill.price)
        if self.open is None:
            direction = Direction.LONG if signed > 0 else Direction.SHORT
            self.open = OpenTrade(direction, qty, fill.price, fill.ts_ms, fees=fee,
                                  best=price, worst=price, snapshot=dict(snapshot or {}))
        else:
            t = self.open
            t.entry_price = average_entry(self.inst, t.qty, t.entry_price, qty, fill.price)
            t.qty += qty
            t.fees += fee
        self.position += signed

    def _close(self, ts_ms: int, reason: str) -> Trade:
        t = self.open
        assert t is not None
        self.open = None
        entry = float(t.entry_price)
        sign = t.direction.sign
        return Trade(
            symbol=self.inst.symbol, direction=t.direction, qty=t.qty,
            entry_ts_ms=t.entry_ts_ms, entry_price=t.entry_price, exit_ts_ms=ts_ms,
            exit_price=t.exit_value / t.exit_qty, gross_pnl=t.gross, fees=t.fees,
            funding=t.funding, exit_reason=reason,
            mfe=(t.best - entry) * sign / entry, mae=(t.worst - entry) * sign / entry,
            entry_snapshot=t.snapshot,
        )
