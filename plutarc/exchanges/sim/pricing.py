"""Fill prices from float market data: taker slippage and rounding to the tick against the order."""

from __future__ import annotations

import math
from decimal import Decimal

from plutarc.models import Instrument

_BP = 1e-4


class TakerPricing:
    """Prices fills. Taker prices move by the slippage of the current bar (set by ``prepare``),
    then round to the tick against the order (buys up, sells down) and never pass a limit."""

    __slots__ = ("inst", "bps", "atr_fraction", "rel", "absolute")

    def __init__(self, inst: Instrument, bps: float, atr_fraction: float) -> None:
        self.inst = inst
        self.bps = bps
        self.atr_fraction = atr_fraction
        self.rel = bps * _BP
        self.absolute = 0.0

    def prepare(self, atr_before: float) -> None:
        """Slippage for the bar about to be matched, from the ATR known at its open (the
        previous bar's). A NaN ATR (indicator warm-up) slips nothing."""
        if self.atr_fraction:
            self.absolute = 0.0 if math.isnan(atr_before) else atr_before * self.atr_fraction

    def _round(self, value: float, is_buy: bool) -> Decimal:
        price = self.inst.round_price(value, "up" if is_buy else "down")
        return price if price > 0 else self.inst.tick_size

    def taker(self, base: float, is_buy: bool, limit: Decimal | None = None) -> Decimal:
        if is_buy:
            price = self._round(base * (1.0 + self.rel) + self.absolute, True)
            return price if limit is None or price <= limit else limit
        price = self._round(base * (1.0 - self.rel) - self.absolute, False)
        return price if limit is None or price >= limit else limit

    def taker_at(self, level: Decimal, is_buy: bool, limit: Decimal | None = None) -> Decimal:
        """Like ``taker`` from an exact Decimal level (a stop price): no float detour when
        nothing slips, so a stop at 42000.1 fills at exactly 42000.1."""
        if self.rel or self.absolute:
            return self.taker(float(level), is_buy, limit)
        price = self.inst.round_price(level, "up" if is_buy else "down")
        if limit is None:
            return price
        return min(price, limit) if is_buy else max(price, limit)

    def passive(self, base: float, is_buy: bool) -> Decimal:
        """A float market price (an open better than a limit) as a maker fill price."""
        return self._round(base, is_buy)
