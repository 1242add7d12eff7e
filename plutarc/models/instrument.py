"""Instrument: a venue's contract spec, and exact tick/lot rounding with Decimal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Decimal,
    InvalidOperation,
)

from plutarc.models.enums import ContractKind, Side

_ROUNDING = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "nearest": ROUND_HALF_EVEN}


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """A float becomes the Decimal of its shortest repr (0.1 -> Decimal('0.1'))."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):  # also numpy floats, whose repr is not a number
        return Decimal(repr(float(value)))
    return Decimal(value)


# step object id -> (the step, whether its digits are just 1). Keyed by identity, not value:
# 0.010 == 0.01, but only the second is an exponent (units x 0.010 keeps three places).
_POWER_OF_TEN: dict[int, tuple[Decimal, bool]] = {}
_POWER_OF_TEN_MAX = 4096  # instruments are few; bounded anyway


def _round_to(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    """``value`` rounded to a whole number of ``step`` (units x step). A step whose digits
    are one 1 (0.01, 1E-8, 1E+1) is an exponent: quantize to it gives the same digits and
    exponent as units x step in one operation (and without the division)."""
    known = _POWER_OF_TEN.get(id(step))
    if known is None or known[0] is not step:
        if len(_POWER_OF_TEN) >= _POWER_OF_TEN_MAX:
            _POWER_OF_TEN.clear()
        known = _POWER_OF_TEN[id(step)] = (step, step.as_tuple().digits == (1,))
    if known[1]:
        try:
            return value.quantize(step, rounding)
        except InvalidOperation:  # more digits than the context holds: the long way
            pass
    return (value / step).quantize(Decimal(1), rounding) * step


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable contract. ``symbol`` is our normalised name (BTC/USD:BTC style is not
    required: BTCUSDT, BTCUSD); ``venue_symbol`` is the venue's own (e.g. XBTUSD)."""

    venue: str
    symbol: str
    base: str
    quote: str
    settle: str
    kind: ContractKind
    tick_size: Decimal
    lot_size: Decimal
    multiplier: Decimal = Decimal(1)
    min_qty: Decimal = Decimal(0)
    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.00075")
    venue_symbol: str = ""
    max_leverage: Decimal = Decimal(100)
    maintenance_margin_rate: Decimal = Decimal("0.005")
    # settle units per quote unit, for quanto contracts only (a live rate the venue publishes,
    # e.g. BitMEX quoteToSettleMultiplier); None where the contract maths does not need it
    quote_to_settle: Decimal | None = None

    def __post_init__(self) -> None:
        if self.tick_size <= 0 or self.lot_size <= 0:
            raise ValueError(f"{self.symbol}: tick and lot sizes must be positive")
        if not self.venue_symbol:
            object.__setattr__(self, "venue_symbol", self.symbol)

    def round_price(self, price: float | Decimal, mode: str = "nearest") -> Decimal:
        """Round to the tick: ``down``, ``up`` or ``nearest`` (half to even)."""
        return _round_to(to_decimal(price), self.tick_size, _ROUNDING[mode])

    def round_price_passive(self, price: float | Decimal, side: Side) -> Decimal:
        """Round a limit price away from the market: bids down, asks up."""
        return self.round_price(price, "down" if side is Side.BUY else "up")

    def round_qty(self, qty: float | Decimal) -> Decimal:
        """Round a quantity down to the lot (never trade more than asked)."""
        return _round_to(to_decimal(qty), self.lot_size, ROUND_DOWN)

    def qty_is_tradable(self, qty: Decimal) -> bool:
        return qty > 0 and qty >= self.min_qty and qty % self.lot_size == 0
