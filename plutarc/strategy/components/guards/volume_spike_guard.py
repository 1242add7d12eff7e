"""Volume spike guard: no entries on a bar whose volume dwarfs the recent average."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit, ratio
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import SMA
from plutarc.strategy.indicators.stream import Lag
from plutarc.strategy.series import Bars


@register
class VolumeSpikeGuard(Component):
    spec = ComponentSpec(
        id="volume_spike_guard",
        kind=Kind.GUARD,
        name="Volume Spike Guard",
        description=(
            "Vetoes entries while bar volume is >= max_ratio times the previous N-bar mean."
        ),
        params=(
            Param(
                "period", int, 50, "Bars in the volume average (before this bar).", min=1, max=5000
            ),
            Param(
                "max_ratio", float, 5.0, "Relative volume counted as a spike.", min=1.0, max=1000.0
            ),
        ),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._mean = SMA(int(self.params["period"]))
        self._prev_mean = Lag(1)

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        mean_before = self._prev_mean.update(self._mean.update(bars.volume))
        relative = ratio(bars.volume, mean_before)
        allow = relative < float(self.params["max_ratio"])
        return Output(value=relative, allow_long=allow, allow_short=allow.copy())

    def explain(self, value: float, direction: Direction | None) -> str:
        return describe_limit("relative volume", value, "<", float(self.params["max_ratio"]))
