"""MACD cross: the MACD line crossing its signal line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import Crossing, event_score, fmt, require, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import MACD
from plutarc.strategy.series import Bars

MACD_PARAMS = (
    Param("fast", int, 12, "Fast EMA period (bars).", min=2, max=500),
    Param("slow", int, 26, "Slow EMA period (bars).", min=3, max=2000),
    Param("signal", int, 9, "Signal-line EMA period (bars).", min=2, max=500),
)


def make_macd(component_id: str, params: Mapping[str, Any]) -> MACD:
    fast, slow = int(params["fast"]), int(params["slow"])
    require(fast < slow, component_id, f"fast ({fast}) must be shorter than slow ({slow})")
    return MACD(fast, slow, int(params["signal"]))


@register
class MacdCross(Component):
    spec = ComponentSpec(
        id="macd_cross",
        kind=Kind.SIGNAL,
        name="MACD Cross",
        description="+1 when the MACD line crosses above its signal line, -1 when below.",
        params=MACD_PARAMS,
        warmup=lambda p: int(p["slow"]) + int(p["signal"]),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._macd = make_macd(self.spec.id, self.params)
        self._cross = Crossing()

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        macd, signal, hist = self._macd.update(bars.close)
        up, down, defined = self._cross.update(macd, signal)
        return Output(value=hist, score=event_score(up, down, defined))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("MACD")
        return f"MACD histogram={fmt(value, 4)} (no cross)"
