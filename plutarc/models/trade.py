"""A Trade is one closed round trip: entry to flat."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from plutarc.models.enums import Direction


@dataclass(frozen=True, slots=True)
class Trade:
    symbol: str
    direction: Direction
    qty: Decimal
    entry_ts_ms: int
    entry_price: Decimal
    exit_ts_ms: int
    exit_price: Decimal
    gross_pnl: Decimal
    fees: Decimal
    funding: Decimal  # paid (+) or received (-) over the hold, settle currency
    exit_reason: str
    mfe: float = 0.0  # maximum favourable excursion, fraction of entry price
    mae: float = 0.0  # maximum adverse excursion, fraction of entry price (<= 0)
    entry_snapshot: dict[str, float] = field(default_factory=dict)  # component outputs at entry

    @property
    def net_pnl(self) -> Decimal:
        return self.gross_pnl - self.fees - self.funding

    @property
    def hold_ms(self) -> int:
        return self.exit_ts_ms - self.entry_ts_ms
