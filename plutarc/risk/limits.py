"""A bot's risk limits and their defaults: what the risk gate checks, for bots and backtests.

Unknown keys are refused, numbers are finite and never booleans (CheckedModel).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from plutarc.validation import MAX_AMOUNT, CheckedModel


class RiskLimits(CheckedModel):
    """Per-bot risk limits, checked by the risk gate before any order intent is journaled."""

    max_position_notional: Decimal | None = Field(
        None, gt=0, le=MAX_AMOUNT,
        description="Largest position per symbol in quote currency; null = no cap."
    )
    max_leverage: Decimal = Field(Decimal("3"), gt=0, le=100, description="Leverage cap (3).")
    max_daily_loss: Decimal | None = Field(
        None, gt=0, le=MAX_AMOUNT,
        description="Pause the bot after losing this much quote in a UTC day (off)."
    )
    max_open_orders: int = Field(10, ge=1, le=1000, description="Open orders at once (10).")
    max_orders_per_minute: int = Field(30, ge=1, le=6000, description="Order rate cap (30/min).")
    max_loss_per_trade: Decimal | None = Field(
        None, gt=0, le=MAX_AMOUNT,
        description="Largest loss one entry may risk in quote currency, stop "
        "distance x quantity; an entry with no planned stop is refused while set (off)."
    )
    price_band_bps: Decimal | None = Field(
        Decimal(1000), gt=0, le=10000, description="Never send a limit price further than this "
        "from the last price, in basis points (1000 = 10%); null = no band."
    )
    price_band_action: Literal["clamp", "block"] = Field(
        "clamp", description="An entry priced outside the band is moved to its edge (clamp) or "
        "refused (block); closing orders are always clamped, never refused."
    )
