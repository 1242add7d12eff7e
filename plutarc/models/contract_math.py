"""Linear, inverse and quanto contract maths: notional, PnL, margin, liquidation. Written once.

Units: linear and quanto notional/PnL are in the settle currency via price; inverse notional
and PnL are in the coin: ``qty x multiplier x (1/entry - 1/exit)``.
"""

from __future__ import annotations

from decimal import Decimal

from plutarc.models.enums import ContractKind
from plutarc.models.instrument import Instrument

ONE = Decimal(1)


def notional(inst: Instrument, qty: Decimal, price: Decimal) -> Decimal:
    """Absolute position value in the settle currency."""
    qty = abs(qty)
    if inst.kind is ContractKind.INVERSE:
        return qty * inst.multiplier / price
    return qty * inst.multiplier * price


def quote_notional(inst: Instrument, qty: Decimal, price: Decimal) -> Decimal:
    """Absolute position value in the quote currency (USD for XBTUSD, USDT for BTCUSDT): what
    a trader means by 'position size'. Inverse contracts are worth their face value in quote;
    quanto ones have no quote value without a cross rate, so they stay in the settle coin."""
    if inst.kind is ContractKind.INVERSE:
        return abs(qty) * inst.multiplier
    return notional(inst, qty, price)


def pnl(inst: Instrument, signed_qty: Decimal, entry: Decimal, exit_: Decimal) -> Decimal:
    """Realised PnL in the settle currency of closing ``signed_qty`` (>0 long) at ``exit_``."""
    if inst.kind is ContractKind.INVERSE:
        return signed_qty * inst.multiplier * (ONE / entry - ONE / exit_)
    return signed_qty * inst.multiplier * (exit_ - entry)


def initial_margin(inst: Instrument, qty: Decimal, price: Decimal, leverage: Decimal) -> Decimal:
    if leverage <= 0:
        raise ValueError("leverage must be positive")
    return notional(inst, qty, price) / leverage


def fee(inst: Instrument, qty: Decimal, price: Decimal, rate: Decimal) -> Decimal:
    """Fee in the settle currency; a negative rate is a rebate."""
    return notional(inst, qty, price) * rate


def liquidation_price(
    inst: Instrument, signed_qty: Decimal, entry: Decimal, leverage: Decimal
) -> Decimal:
    """Isolated-margin liquidation price: where margin + PnL = maintenance margin at that price."""
    lev_inv = ONE / leverage
    mmr = inst.maintenance_margin_rate
    long = signed_qty > 0
    if inst.kind is ContractKind.INVERSE:
        if long:
            return entry * (ONE + mmr) / (ONE + lev_inv)
        return entry * (ONE - mmr) / (ONE - lev_inv) if lev_inv < ONE else Decimal("Infinity")
    if long:
        return entry * (ONE - lev_inv) / (ONE - mmr)
    return entry * (ONE + lev_inv) / (ONE + mmr)


def average_entry(
    inst: Instrument, qty_a: Decimal, price_a: Decimal, qty_b: Decimal, price_b: Decimal
) -> Decimal:
    """Entry price after adding ``qty_b`` at ``price_b`` to ``qty_a`` at ``price_a`` (same side).

    Linear/quanto average prices by quantity; inverse averages the reciprocal (by notional in coin).
    """
    total = qty_a + qty_b
    if inst.kind is ContractKind.INVERSE:
        return total / (qty_a / price_a + qty_b / price_b)
    return (qty_a * price_a + qty_b * price_b) / total
