"""ADX regime: trend mode wants a strong ADX, range mode a weak one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param, gate
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ADX
from plutarc.strategy.series import Bars


@register
class AdxRegime(Component):
    spec = ComponentSpec(
        id="adx_regime",
        kind=Kind.FILTER,
        name="ADX Regime",
        description="Trend mode passes while ADX >= level; range mode while ADX <= level.",
        params=(
            Param("period", int, 14, "ADX period (bars).", min=2, max=500),
            Param("level", float, 25.0, "ADX threshold.", min=0.0, max=100.0),
            Param(
                "mode",
                str,
                "trend",
                "trend: need ADX >= level; range: need ADX <= level.",
                choices=("trend", "range"),
            ),
        ),
        warmup=lambda p: 2 * int(p["period"]),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._adx = ADX(int(self.params["period"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        adx, _, _ = self._adx.update(bars.high, bars.low, bars.close)
        level = float(self.params["level"])
        allow = adx >= level if self.params["mode"] == "trend" else adx <= level
        return gate(adx, allow)

    def explain(self, value: float, direction: Direction | None) -> str:
        op = ">=" if self.params["mode"] == "trend" else "<="
        return describe_limit("ADX", value, op, float(self.params["level"]), digits=1)
