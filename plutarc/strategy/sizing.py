"""Entry size from the template's sizing rule, rounded to the instrument's lot."""

from __future__ import annotations

from decimal import Decimal

from plutarc.models import ContractKind, Instrument, to_decimal
from plutarc.strategy.template import Sizing


def entry_quantity(sizing: Sizing, inst: Instrument, price: float, equity: float,
                   stop_level: float) -> tuple[Decimal, str]:
    """(quantity, problem). ``equity`` is in the settle currency. A zero quantity comes with
    the reason, e.g. a stop too close for risk sizing or a size under the minimum."""
    mult = float(inst.multiplier)
    inverse = inst.kind is ContractKind.INVERSE
    equity_quote = equity * price if inverse else equity
    if sizing.mode == "fixed_base":
        raw = sizing.value if not inverse else sizing.value * price / mult
    elif sizing.mode == "fixed_quote":
        raw = sizing.value / mult if inverse else sizing.value / (mult * price)
    elif sizing.mode == "equity_pct":
        notional_quote = equity_quote * sizing.value / 100.0
        raw = notional_quote / mult if inverse else notional_quote / (mult * price)
    else:  # risk_pct
        distance = abs(price - stop_level) if stop_level == stop_level else 0.0
        if distance <= 0:
            return Decimal(0), "sizing: risk_pct needs a protective stop level at entry"
        risk = equity * sizing.value / 100.0
        loss_per_unit = (mult * distance / (price * stop_level)) if inverse else mult * distance
        raw = risk / loss_per_unit
    qty = inst.round_qty(to_decimal(float(raw)))
    if qty <= 0 or qty < inst.min_qty:
        return Decimal(0), (f"sizing: quantity {raw:.8g} is below the minimum "
                            f"{inst.min_qty or inst.lot_size}")
    return qty, ""
