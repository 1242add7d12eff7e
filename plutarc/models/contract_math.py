"""Linear, inverse and quanto contract maths: notional, PnL, margin, liquidation, and how many
contracts an amount of base, quote or settle currency is. Written once.

Units: linear and quanto notional/PnL are in the settle currency via price; inverse notional
and PnL are in the coin: ``qty x multiplier x (1/entry - 1/exit)``. Quantities are always
contracts; a base or quote amount becomes contracts only through the functions below.
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


def contracts_for_settle(inst: Instrument, amount: Decimal, price: Decimal) -> Decimal:
    """Contracts (not yet rounded to the lot) whose notional is ``amount`` of the settle
    currency at ``price``: the inverse of :func:`notional`."""
    if inst.kind is ContractKind.INVERSE:
        return amount * price / inst.multiplier
    return amount / (inst.multiplier * price)


def contracts_for_quote(inst: Instrument, amount: Decimal, price: Decimal) -> Decimal:
    """Contracts (unrounded) worth ``amount`` of the quote currency at ``price``.

    Inverse contracts have a face value in quote; linear ones settle in their quote; a quanto
    contract settles in a third currency, so it needs the venue's live quote-to-settle rate
    (``Instrument.quote_to_settle``) and raises ValueError without it."""
    if inst.kind is ContractKind.INVERSE:
        return amount / inst.multiplier
    if inst.kind is ContractKind.QUANTO:
        if not inst.quote_to_settle:
            raise ValueError(f"{inst.symbol} is a quanto contract: converting {inst.quote} "
                             f"to contracts needs the venue's {inst.quote}->{inst.settle} rate, "
                             "which this instrument does not carry")
        return amount * inst.quote_to_settle / (inst.multiplier * price)
    return amount / (inst.multiplier * price)


def contracts_for_base(inst: Instrument, amount: Decimal, price: Decimal) -> Decimal:
    """Contracts (unrounded) holding ``amount`` of the base currency at ``price``
    (linear: amount / multiplier, e.g. 0.01 BTC = 10,000 XBTUSDT contracts of 1e-6 BTC)."""
    return contracts_for_quote(inst, amount * price, price)


def contracts_per_base(inst: Instrument, price: float) -> float | None:
    """Float contracts per unit of base at ``price`` for hot paths (a bar's volume budget);
    None for a quanto contract without its quote-to-settle rate."""
    mult = float(inst.multiplier)
    if inst.kind is ContractKind.INVERSE:
        return price / mult
    if inst.kind is ContractKind.QUANTO:
        return float(inst.quote_to_settle) / mult if inst.quote_to_settle else None
    return 1.0 / mult
