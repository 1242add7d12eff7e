"""Fast volatility gate: no entries when short-window realised volatility is outside a band."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_band, require, within
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import RealizedVol
from plutarc.strategy.series import Bars


@register
class FastVolatilityGate(Component):
    spec = ComponentSpec(
        id="fast_volatility_gate",
        kind=Kind.GUARD,
        name="Fast Volatility Gate",
        description=(
            "Vetoes entries while short-window realised volatility (%/bar) is outside [min, max]."
        ),
        params=(
            Param("period", int, 10, "Volatility window (bars).", min=2, max=2000),
            Param(
                "min_pct",
                float,
                0.005,
                "Lowest volatility that allows entries (% per bar).",
                min=0.0,
                max=100.0,
            ),
            Param(
                "max_pct",
                float,
                0.5,
                "Highest volatility that allows entries (% per bar).",
                min=0.0,
                max=100.0,
            ),
        ),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        low, high = float(self.params["min_pct"]), float(self.params["max_pct"])
        require(low <= high, self.spec.id, f"min_pct ({low}) must not exceed max_pct ({high})")
        self._vol = RealizedVol(int(self.params["period"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        vol_pct = self._vol.update(bars.close) * 100.0
        allow = within(vol_pct, float(self.params["min_pct"]), float(self.params["max_pct"]))
        return Output(value=vol_pct, allow_long=allow, allow_short=allow.copy())

    def explain(self, value: float, direction: Direction | None) -> str:
        low, high = float(self.params["min_pct"]), float(self.params["max_pct"])
        return describe_band("volatility", value, low, high, digits=3, unit="%")
