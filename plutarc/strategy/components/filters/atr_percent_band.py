"""ATR percent band: trade only when the average bar range, as % of price, is in a band."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param, gate
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_band, ratio, require, within
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ATR
from plutarc.strategy.series import Bars


@register
class AtrPercentBand(Component):
    spec = ComponentSpec(
        id="atr_percent_band",
        kind=Kind.FILTER,
        name="ATR % Band",
        description="Passes while ATR as a % of the close is inside [min_pct, max_pct].",
        params=(
            Param("period", int, 14, "ATR period (bars).", min=2, max=2000),
            Param(
                "min_pct", float, 0.02, "Smallest ATR (% of price) that passes.", min=0.0, max=100.0
            ),
            Param(
                "max_pct", float, 1.0, "Largest ATR (% of price) that passes.", min=0.0, max=100.0
            ),
        ),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        low, high = float(self.params["min_pct"]), float(self.params["max_pct"])
        require(low <= high, self.spec.id, f"min_pct ({low}) must not exceed max_pct ({high})")
        self._atr = ATR(int(self.params["period"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        atr = self._atr.update(bars.high, bars.low, bars.close)
        atr_pct = ratio(atr, bars.close) * 100.0
        low, high = float(self.params["min_pct"]), float(self.params["max_pct"])
        return gate(atr_pct, within(atr_pct, low, high))

    def explain(self, value: float, direction: Direction | None) -> str:
        low, high = float(self.params["min_pct"]), float(self.params["max_pct"])
        return describe_band("ATR", value, low, high, digits=3, unit="%")
