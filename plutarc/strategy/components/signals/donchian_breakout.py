"""Donchian breakout: a close beyond the previous N-bar high or low (the Turtle entry)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import event_score, fmt, ratio, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import Donchian
from plutarc.strategy.indicators.stream import Lag
from plutarc.strategy.series import Bars


@register
class DonchianBreakout(Component):
    spec = ComponentSpec(
        id="donchian_breakout",
        kind=Kind.SIGNAL,
        name="Donchian Breakout",
        description="+1 when the close exceeds the previous N-bar high, -1 below the N-bar low.",
        params=(Param("period", int, 20, "Channel length (bars).", min=2, max=2000),),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._channel = Donchian(int(self.params["period"]))
        self._prev_upper = Lag(1)
        self._prev_lower = Lag(1)

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        upper, lower, _ = self._channel.update(bars.high, bars.low)
        # The channel of the bars BEFORE this one: the current bar cannot break itself.
        upper = self._prev_upper.update(upper)
        lower = self._prev_lower.update(lower)
        position = ratio(bars.close - lower, upper - lower)
        defined = ~np.isnan(upper)
        score = event_score(bars.close > upper, bars.close < lower, defined)
        return Output(value=position, score=score)

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("Donchian channel")
        return f"close at {fmt(value, 2)} of the prior {self.params['period']}-bar range"
