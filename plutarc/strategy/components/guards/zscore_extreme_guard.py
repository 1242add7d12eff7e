"""Z-score extreme guard: no longs stretched far above the mean, no shorts far below."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ZScore
from plutarc.strategy.series import Bars


@register
class ZscoreExtremeGuard(Component):
    spec = ComponentSpec(
        id="zscore_extreme_guard",
        kind=Kind.GUARD,
        name="Z-Score Extreme Guard",
        description="Vetoes longs while the close's z-score >= max_z and shorts while <= -max_z.",
        params=(
            Param("period", int, 20, "Window of the mean and deviation (bars).", min=2, max=2000),
            Param(
                "max_z",
                float,
                2.5,
                "Stretch (deviations) at which to veto chasing.",
                min=0.1,
                max=20.0,
            ),
        ),
        warmup=lambda p: int(p["period"]),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._z = ZScore(int(self.params["period"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        z = self._z.update(bars.close)
        limit = float(self.params["max_z"])
        return Output(value=z, allow_long=z < limit, allow_short=z > -limit)

    def explain(self, value: float, direction: Direction | None) -> str:
        limit = float(self.params["max_z"])
        if direction is Direction.SHORT:
            return describe_limit("z", value, ">", -limit)
        return describe_limit("z", value, "<", limit)
