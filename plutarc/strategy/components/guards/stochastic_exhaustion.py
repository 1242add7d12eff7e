"""Stochastic exhaustion: no longs with %K overbought, no shorts with %K oversold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit
from plutarc.strategy.components.signals.stochastic_cross import (
    STOCHASTIC_PARAMS,
    make_stochastic,
    stochastic_warmup,
)
from plutarc.strategy.context import MarketContext
from plutarc.strategy.series import Bars


@register
class StochasticExhaustion(Component):
    spec = ComponentSpec(
        id="stochastic_exhaustion",
        kind=Kind.GUARD,
        name="Stochastic Exhaustion",
        description="Vetoes longs while %K >= overbought and shorts while %K <= oversold.",
        params=STOCHASTIC_PARAMS,
        warmup=stochastic_warmup,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._stoch = make_stochastic(self.spec.id, self.params)

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        k, _ = self._stoch.update(bars.high, bars.low, bars.close)
        return Output(
            value=k,
            allow_long=k < float(self.params["overbought"]),
            allow_short=k > float(self.params["oversold"]),
        )

    def explain(self, value: float, direction: Direction | None) -> str:
        if direction is Direction.SHORT:
            return describe_limit("%K", value, ">", float(self.params["oversold"]), digits=1)
        return describe_limit("%K", value, "<", float(self.params["overbought"]), digits=1)
