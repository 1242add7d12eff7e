"""Our running view of positions: fills applied at once, venue position rows authoritative.

A fill moves the position immediately (the latency that matters to a bot); the venue's own
position row, when it arrives, replaces our numbers. A fill stamped at or before the newest
venue row for its symbol is already inside that row and is not applied twice. PnL maths
comes from plutarc.models.contract_math (linear, inverse and quanto); realised PnL includes
fees, as BitMEX reports it.
"""

from __future__ import annotations

from decimal import Decimal

from plutarc.models import Fill, Instrument, Position
from plutarc.models.contract_math import average_entry, pnl

ZERO = Decimal(0)


class PositionBook:
    def __init__(self) -> None:
        self._positions: dict[str, Position] = {}
        self._venue_ts: dict[str, int] = {}

    def get(self, symbol: str) -> Position:
        return self._positions.get(symbol) or Position(symbol, ZERO, None)

    def all(self) -> list[Position]:
        return [p for p in self._positions.values() if not p.is_flat]

    def set_from_venue(self, position: Position) -> Position:
        """A venue position row replaces ours (it is the ledger of record)."""
        self._positions[position.symbol] = position
        self._venue_ts[position.symbol] = max(self._venue_ts.get(position.symbol, 0),
                                              position.ts_ms)
        return position

    def apply_fill(self, inst: Instrument, fill: Fill) -> Position | None:
        """The position after ``fill``; None when a venue row already includes it."""
        if fill.ts_ms <= self._venue_ts.get(fill.symbol, -1):
            return None
        current = self.get(fill.symbol)
        signed = fill.qty if fill.side.sign > 0 else -fill.qty
        qty, entry = current.qty, current.entry_price
        realised = current.realised_pnl - fill.fee
        new_qty = qty + signed
        if qty == 0 or entry is None:
            new_entry: Decimal | None = fill.price
        elif (qty > 0) == (signed > 0):
            new_entry = average_entry(inst, abs(qty), entry, abs(signed), fill.price)
        else:
            closed = min(abs(signed), abs(qty))
            closed_signed = closed if qty > 0 else -closed
            realised += pnl(inst, closed_signed, entry, fill.price)
            if new_qty == 0:
                new_entry = None
            elif (new_qty > 0) != (qty > 0):
                new_entry = fill.price  # flipped: the remainder opened at this fill
            else:
                new_entry = entry
        position = Position(  # built directly: dataclasses.replace is slow on this path
            fill.symbol,
            new_qty,
            new_entry,
            current.leverage,
            current.liquidation_price if new_qty else None,
            realised,
            current.unrealised_pnl,
            fill.ts_ms,
        )
        self._positions[fill.symbol] = position
        return position
