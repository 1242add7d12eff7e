"""Instruments for backtests on a candle file: a generic linear contract unless told more."""

from __future__ import annotations

from decimal import Decimal

from plutarc.models import ContractKind, Instrument, to_decimal


def generic_instrument(symbol: str = "BTCUSDT", *, kind: ContractKind = ContractKind.LINEAR,
                       fee_maker: float = 0.0002, fee_taker: float = 0.00075,
                       tick: str = "0.00000001", lot: str = "0.00000001",
                       multiplier: str = "1", min_qty: str = "0") -> Instrument:
    """A contract for data that has no venue spec (a candle file): fine ticks and lots so
    that rounding does not distort the strategy, fees as given."""
    base, quote = split_symbol(symbol)
    settle = base if kind is ContractKind.INVERSE else quote
    return Instrument(
        venue="sim", symbol=symbol, base=base, quote=quote, settle=settle, kind=kind,
        tick_size=Decimal(tick), lot_size=Decimal(lot), multiplier=Decimal(multiplier),
        min_qty=Decimal(min_qty), maker_fee=to_decimal(fee_maker), taker_fee=to_decimal(fee_taker),
        max_leverage=Decimal(100),
    )


def split_symbol(symbol: str) -> tuple[str, str]:
    for quote in ("USDT", "USDC", "USD", "BUSD", "EUR", "BTC", "ETH"):
        if symbol.upper().endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)].upper(), quote
    return symbol.upper(), "USD"
