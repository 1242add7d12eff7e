"""Stochastic cross: %K crossing %D inside the oversold or overbought zone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import Crossing, event_score, fmt, require, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import Stochastic
from plutarc.strategy.series import Bars

STOCHASTIC_PARAMS = (
    Param("k", int, 14, "%K lookback (bars).", min=2, max=500),
    Param("d", int, 3, "%D smoothing of %K (bars).", min=1, max=100),
    Param("smooth", int, 3, "Smoothing of the raw %K (bars; 1 = fast stochastic).", min=1, max=100),
    Param("oversold", float, 20.0, "Oversold zone: %K at or below.", min=0.0, max=100.0),
    Param("overbought", float, 80.0, "Overbought zone: %K at or above.", min=0.0, max=100.0),
)


def stochastic_warmup(p: Mapping[str, Any]) -> int:
    return int(p["k"]) + int(p["smooth"]) + int(p["d"])


def make_stochastic(component_id: str, params: Mapping[str, Any]) -> Stochastic:
    low, high = float(params["oversold"]), float(params["overbought"])
    require(low < high, component_id, f"oversold ({low}) must be below overbought ({high})")
    return Stochastic(int(params["k"]), int(params["d"]), int(params["smooth"]))


@register
class StochasticCross(Component):
    spec = ComponentSpec(
        id="stochastic_cross",
        kind=Kind.SIGNAL,
        name="Stochastic Cross",
        description="+1 when %K crosses above %D with %D oversold, -1 below %D with %D overbought.",
        params=STOCHASTIC_PARAMS,
        warmup=stochastic_warmup,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._stoch = make_stochastic(self.spec.id, self.params)
        self._cross = Crossing()

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        k, d = self._stoch.update(bars.high, bars.low, bars.close)
        up, down, defined = self._cross.update(k, d)
        # The slower line still in the zone means the turn started from an extreme.
        up &= d <= float(self.params["oversold"])
        down &= d >= float(self.params["overbought"])
        return Output(value=k, score=event_score(up, down, defined))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("stochastic")
        return f"%K={fmt(value, 1)} (no cross in a zone)"
