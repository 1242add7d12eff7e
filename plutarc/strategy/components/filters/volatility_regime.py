"""Volatility regime: short-window realised volatility relative to its long-window level."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param, gate
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_band, ratio, require, within
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import RealizedVol
from plutarc.strategy.series import Bars


@register
class VolatilityRegime(Component):
    spec = ComponentSpec(
        id="volatility_regime",
        kind=Kind.FILTER,
        name="Volatility Regime",
        description="Passes while short/long realised volatility is inside [min_ratio, max_ratio].",
        params=(
            Param("fast", int, 30, "Short volatility window (bars).", min=2, max=5000),
            Param("slow", int, 240, "Long volatility window (bars).", min=3, max=20000),
            Param(
                "min_ratio", float, 0.5, "Lowest short/long ratio that passes.", min=0.0, max=100.0
            ),
            Param(
                "max_ratio", float, 2.0, "Highest short/long ratio that passes.", min=0.0, max=100.0
            ),
        ),
        warmup=lambda p: int(p["slow"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        fast, slow = int(self.params["fast"]), int(self.params["slow"])
        require(fast < slow, self.spec.id, f"fast ({fast}) must be shorter than slow ({slow})")
        low, high = float(self.params["min_ratio"]), float(self.params["max_ratio"])
        require(low <= high, self.spec.id, f"min_ratio ({low}) must not exceed max_ratio ({high})")
        self._fast = RealizedVol(fast)
        self._slow = RealizedVol(slow)

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        vol_ratio = ratio(self._fast.update(bars.close), self._slow.update(bars.close))
        low, high = float(self.params["min_ratio"]), float(self.params["max_ratio"])
        return gate(vol_ratio, within(vol_ratio, low, high))

    def explain(self, value: float, direction: Direction | None) -> str:
        low, high = float(self.params["min_ratio"]), float(self.params["max_ratio"])
        return describe_band("vol ratio", value, low, high)
