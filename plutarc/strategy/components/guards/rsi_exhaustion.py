"""RSI exhaustion: no longs into an overbought RSI, no shorts into an oversold one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit, require
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import RSI
from plutarc.strategy.series import Bars


@register
class RsiExhaustion(Component):
    spec = ComponentSpec(
        id="rsi_exhaustion",
        kind=Kind.GUARD,
        name="RSI Exhaustion",
        description="Vetoes longs while RSI >= overbought and shorts while RSI <= oversold.",
        params=(
            Param("period", int, 14, "RSI period (bars).", min=2, max=200),
            Param(
                "overbought",
                float,
                70.0,
                "RSI at or above which longs are vetoed.",
                min=0.0,
                max=100.0,
            ),
            Param(
                "oversold",
                float,
                30.0,
                "RSI at or below which shorts are vetoed.",
                min=0.0,
                max=100.0,
            ),
        ),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        low, high = float(self.params["oversold"]), float(self.params["overbought"])
        require(low < high, self.spec.id, f"oversold ({low}) must be below overbought ({high})")
        self._rsi = RSI(int(self.params["period"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        rsi = self._rsi.update(bars.close)
        return Output(
            value=rsi,
            allow_long=rsi < float(self.params["overbought"]),
            allow_short=rsi > float(self.params["oversold"]),
        )

    def explain(self, value: float, direction: Direction | None) -> str:
        if direction is Direction.SHORT:
            return describe_limit("RSI", value, ">", float(self.params["oversold"]), digits=1)
        return describe_limit("RSI", value, "<", float(self.params["overbought"]), digits=1)
