"""Volume filter: trade only on bars with enough volume relative to the recent average."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param, gate
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit, ratio
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import SMA
from plutarc.strategy.indicators.stream import Lag
from plutarc.strategy.series import Bars


@register
class VolumeFilter(Component):
    spec = ComponentSpec(
        id="volume_filter",
        kind=Kind.FILTER,
        name="Volume Filter",
        description="Passes while bar volume is at least min_ratio times the previous N-bar mean.",
        params=(
            Param(
                "period", int, 20, "Bars in the volume average (before this bar).", min=1, max=5000
            ),
            Param(
                "min_ratio", float, 1.0, "Least relative volume that passes.", min=0.0, max=100.0
            ),
        ),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._mean = SMA(int(self.params["period"]))
        self._prev_mean = Lag(1)

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        # The average of the bars BEFORE this one, so a spike cannot dilute itself.
        mean_before = self._prev_mean.update(self._mean.update(bars.volume))
        relative = ratio(bars.volume, mean_before)
        return gate(relative, relative >= float(self.params["min_ratio"]))

    def explain(self, value: float, direction: Direction | None) -> str:
        return describe_limit("relative volume", value, ">=", float(self.params["min_ratio"]))
