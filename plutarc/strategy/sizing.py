"""Entry size from the template's sizing rule, in contracts, rounded to the instrument's lot.

Every mode states an amount of base, quote or settle currency; it becomes contracts only
through plutarc.models.contract_math (linear, inverse and quanto alike), never by taking
the amount as a contract count.
"""

from __future__ import annotations

from decimal import Decimal

from plutarc.models import ContractKind, Instrument, to_decimal
from plutarc.models import contract_math as cm
from plutarc.strategy.template import Sizing

READS_EQUITY = frozenset({"equity_pct", "risk_pct"})
"""Sizing modes whose quantity depends on the account equity (the others ignore it)."""


def entry_quantity(sizing: Sizing, inst: Instrument, price: float, equity: float,
                   stop_level: float) -> tuple[Decimal, str]:
    """(quantity in contracts, problem). ``equity`` is in the settle currency. A zero
    quantity comes with the reason, e.g. a stop too close for risk sizing, a size under the
    minimum, or a quanto contract without the venue's quote-to-settle rate."""
    if not price > 0:
        return Decimal(0), f"sizing: no usable price ({price!r})"
    px = to_decimal(float(price))
    value = to_decimal(float(sizing.value))
    try:
        if sizing.mode == "fixed_base":
            raw = cm.contracts_for_base(inst, value, px)
        elif sizing.mode == "fixed_quote":
            raw = cm.contracts_for_quote(inst, value, px)
        elif sizing.mode == "equity_pct":
            raw = cm.contracts_for_settle(inst, to_decimal(float(equity)) * value / 100, px)
        else:  # risk_pct
            distance = abs(price - stop_level) if stop_level == stop_level else 0.0
            if distance <= 0:
                return Decimal(0), "sizing: risk_pct needs a protective stop level at entry"
            raw = to_decimal(equity * sizing.value / 100.0 / _loss_per_contract(
                inst, price, stop_level, distance))
    except ValueError as exc:
        return Decimal(0), f"sizing: {exc}"
    qty = inst.round_qty(raw)
    if qty <= 0 or qty < inst.min_qty:
        return Decimal(0), (f"sizing: {float(raw):.8g} contracts is below the minimum "
                            f"{inst.min_qty or inst.lot_size}")
    return qty, ""


def _loss_per_contract(inst: Instrument, price: float, stop: float, distance: float) -> float:
    """Settle currency lost per contract if the stop is hit (float: strategy maths)."""
    mult = float(inst.multiplier)
    if inst.kind is ContractKind.INVERSE:
        return mult * distance / (price * stop)
    return mult * distance
