"""RSI midline cross: RSI crossing its centre line as a momentum shift."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import Crossing, event_score, fmt, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import RSI
from plutarc.strategy.series import Bars


@register
class RsiMidlineCross(Component):
    spec = ComponentSpec(
        id="rsi_midline_cross",
        kind=Kind.SIGNAL,
        name="RSI Midline Cross",
        description="+1 on the bar RSI crosses above the midline, -1 on the bar it crosses below.",
        params=(
            Param("period", int, 14, "RSI period (bars).", min=2, max=200),
            Param(
                "midline",
                float,
                50.0,
                "The RSI level that separates up and down.",
                min=1.0,
                max=99.0,
            ),
        ),
        warmup=lambda p: int(p["period"]) + 2,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._rsi = RSI(int(self.params["period"]))
        self._cross = Crossing()

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        rsi = self._rsi.update(bars.close)
        up, down, defined = self._cross.update(rsi, float(self.params["midline"]))
        return Output(value=rsi, score=event_score(up, down, defined))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("RSI")
        return f"RSI={fmt(value, 1)} (no cross of {self.params['midline']})"
