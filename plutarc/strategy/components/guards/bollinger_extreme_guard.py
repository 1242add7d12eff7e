"""Bollinger extreme guard: no longs at or above the upper band, no shorts at or below the lower."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit, ratio
from plutarc.strategy.components.signals.bollinger_breakout import BOLLINGER_PARAMS
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import Bollinger
from plutarc.strategy.series import Bars


@register
class BollingerExtremeGuard(Component):
    spec = ComponentSpec(
        id="bollinger_extreme_guard",
        kind=Kind.GUARD,
        name="Bollinger Extreme Guard",
        description=(
            "Vetoes longs while %B >= 1 (close at/above the upper band), shorts while %B <= 0."
        ),
        params=BOLLINGER_PARAMS,
        warmup=lambda p: int(p["period"]),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._bands = Bollinger(int(self.params["period"]), float(self.params["k"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        _, upper, lower, _ = self._bands.update(bars.close)
        percent_b = ratio(bars.close - lower, upper - lower)
        return Output(value=percent_b, allow_long=percent_b < 1.0, allow_short=percent_b > 0.0)

    def explain(self, value: float, direction: Direction | None) -> str:
        if direction is Direction.SHORT:
            return describe_limit("%B", value, ">", 0.0)
        return describe_limit("%B", value, "<", 1.0)
