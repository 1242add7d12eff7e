"""Supertrend direction: the side of the ATR trailing line the close is on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import Supertrend
from plutarc.strategy.series import Bars

SUPERTREND_PARAMS = (
    Param("atr", int, 10, "ATR period (bars).", min=2, max=500),
    Param("mult", float, 3.0, "Line distance in ATRs.", min=0.1, max=20.0),
)


@register
class SupertrendDirection(Component):
    spec = ComponentSpec(
        id="supertrend_direction",
        kind=Kind.SIGNAL,
        name="Supertrend Direction",
        description="+1 while the Supertrend points up, -1 while it points down.",
        params=SUPERTREND_PARAMS,
        warmup=lambda p: int(p["atr"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._st = Supertrend(int(self.params["atr"]), float(self.params["mult"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        line, direction = self._st.update(bars.high, bars.low, bars.close)
        distance_pct = (ratio(bars.close, line) - 1.0) * 100.0
        return Output(value=distance_pct, score=np.asarray(direction, dtype=np.float64))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("Supertrend")
        return f"close {fmt(value, 3)}% from the Supertrend line"
