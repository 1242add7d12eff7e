"""Candle range guard: no entries for a few bars after an outsized candle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit, ratio
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ATR
from plutarc.strategy.indicators.stream import Lag, RollingWindow
from plutarc.strategy.series import Bars


@register
class CandleRangeGuard(Component):
    spec = ComponentSpec(
        id="candle_range_guard",
        kind=Kind.GUARD,
        name="Candle Range Guard",
        description=(
            "Vetoes entries while one of the last `bars` candles spanned max_atr ATRs or more."
        ),
        params=(
            Param(
                "atr", int, 14, "ATR period (bars), measured before the candle.", min=2, max=2000
            ),
            Param(
                "max_atr",
                float,
                3.0,
                "Candle range (ATRs) counted as outsized.",
                min=0.1,
                max=100.0,
            ),
            Param(
                "bars", int, 3, "Bars the veto lasts, the outsized candle included.", min=1, max=500
            ),
        ),
        warmup=lambda p: int(p["atr"]) + int(p["bars"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._atr = ATR(int(self.params["atr"]))
        self._atr_before = Lag(1)
        self._largest = RollingWindow(int(self.params["bars"]), "max")

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        # The ATR up to the previous bar: the outsized candle must not soften its own yardstick.
        atr_before = self._atr_before.update(self._atr.update(bars.high, bars.low, bars.close))
        range_atr = ratio(bars.high - bars.low, atr_before)
        largest = self._largest.update(range_atr)
        allow = largest < float(self.params["max_atr"])
        return Output(value=largest, allow_long=allow, allow_short=allow.copy())

    def explain(self, value: float, direction: Direction | None) -> str:
        label = f"largest range of last {self.params['bars']} bars"
        return describe_limit(label, value, "<", float(self.params["max_atr"]), unit=" ATR")
