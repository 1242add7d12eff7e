"""Bollinger bandwidth regime: trade only when the bands are neither too tight nor too wide."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param, gate
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_band, require, within
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import Bollinger
from plutarc.strategy.series import Bars


@register
class BollingerBandwidthRegime(Component):
    spec = ComponentSpec(
        id="bollinger_bandwidth_regime",
        kind=Kind.FILTER,
        name="Bollinger Bandwidth Regime",
        description=(
            "Passes while the band width, (upper - lower) / middle in %, is inside [min, max]."
        ),
        params=(
            Param("period", int, 20, "Moving-average length (bars).", min=2, max=2000),
            Param("k", float, 2.0, "Band width in standard deviations.", min=0.1, max=10.0),
            Param(
                "min_pct", float, 0.1, "Narrowest band width that passes (%).", min=0.0, max=100.0
            ),
            Param("max_pct", float, 2.0, "Widest band width that passes (%).", min=0.0, max=100.0),
        ),
        warmup=lambda p: int(p["period"]),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        low, high = float(self.params["min_pct"]), float(self.params["max_pct"])
        require(low <= high, self.spec.id, f"min_pct ({low}) must not exceed max_pct ({high})")
        self._bands = Bollinger(int(self.params["period"]), float(self.params["k"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        _, _, _, bandwidth = self._bands.update(bars.close)
        bandwidth_pct = bandwidth * 100.0
        low, high = float(self.params["min_pct"]), float(self.params["max_pct"])
        return gate(bandwidth_pct, within(bandwidth_pct, low, high))

    def explain(self, value: float, direction: Direction | None) -> str:
        low, high = float(self.params["min_pct"]), float(self.params["max_pct"])
        return describe_band("bandwidth", value, low, high, digits=3, unit="%")
