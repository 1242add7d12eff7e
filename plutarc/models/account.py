"""Positions and balances."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Position:
    """A net position on one symbol: ``qty`` > 0 long, < 0 short, 0 flat."""

    symbol: str
    qty: Decimal
    entry_price: Decimal | None
    leverage: Decimal = Decimal(1)
    liquidation_price: Decimal | None = None
    realised_pnl: Decimal = Decimal(0)
    unrealised_pnl: Decimal = Decimal(0)
    ts_ms: int = 0

    @property
    def is_flat(self) -> bool:
        return self.qty == 0


@dataclass(frozen=True, slots=True)
class Balance:
    """Wallet balance in one currency; never summed across currencies."""

    currency: str
    total: Decimal
    available: Decimal
    ts_ms: int = 0
