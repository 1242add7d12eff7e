"""Choppiness regime: trend mode trades only while the Choppiness Index says the market is
not chopping (CI <= max); range mode only while it is consolidating (CI >= min)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param, gate
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import Choppiness
from plutarc.strategy.series import Bars


@register
class ChoppinessRegime(Component):
    spec = ComponentSpec(
        id="choppiness_regime",
        kind=Kind.FILTER,
        name="Choppiness Regime",
        description=(
            "Trend mode passes while Choppiness Index <= max (trending); "
            "range mode while CI >= min (consolidating)."
        ),
        params=(
            Param("period", int, 14, "Choppiness Index period (bars).", min=2, max=1000),
            Param(
                "max",
                float,
                61.8,
                "Highest CI that still passes in trend mode (100 = pure chop).",
                min=0.0,
                max=100.0,
            ),
            Param(
                "mode",
                str,
                "trend",
                "trend: need CI <= max; range: need CI >= min.",
                choices=("trend", "range"),
            ),
            Param(
                "min",
                float,
                61.8,
                "Lowest CI that still passes in range mode (consolidation).",
                min=0.0,
                max=100.0,
            ),
        ),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._ci = Choppiness(int(self.params["period"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        ci = self._ci.update(bars.high, bars.low, bars.close)
        if self.params["mode"] == "range":
            return gate(ci, ci >= float(self.params["min"]))
        return gate(ci, ci <= float(self.params["max"]))

    def explain(self, value: float, direction: Direction | None) -> str:
        if self.params["mode"] == "range":
            return describe_limit("CI", value, ">=", float(self.params["min"]), digits=1)
        return describe_limit("CI", value, "<=", float(self.params["max"]), digits=1)
