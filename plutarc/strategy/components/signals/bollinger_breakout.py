"""Bollinger breakout: the close crossing out of the bands (volatility expansion)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import Crossing, event_score, fmt, ratio, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import Bollinger
from plutarc.strategy.series import Bars

BOLLINGER_PARAMS = (
    Param("period", int, 20, "Moving-average length (bars).", min=2, max=2000),
    Param("k", float, 2.0, "Band width in standard deviations.", min=0.1, max=10.0),
)


@register
class BollingerBreakout(Component):
    spec = ComponentSpec(
        id="bollinger_breakout",
        kind=Kind.SIGNAL,
        name="Bollinger Breakout",
        description="+1 on the bar the close crosses above the upper band, -1 below the lower.",
        params=BOLLINGER_PARAMS,
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._bands = Bollinger(int(self.params["period"]), float(self.params["k"]))
        self._upper_cross = Crossing()
        self._lower_cross = Crossing()

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        _, upper, lower, _ = self._bands.update(bars.close)
        up, _, defined = self._upper_cross.update(bars.close, upper)
        _, down, _ = self._lower_cross.update(bars.close, lower)
        percent_b = ratio(bars.close - lower, upper - lower)
        return Output(value=percent_b, score=event_score(up, down, defined))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("Bollinger bands")
        return f"%B={fmt(value, 2)} (no band cross)"
