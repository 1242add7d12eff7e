"""RSI level: oversold leans long, overbought leans short (mean reversion)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import event_score, fmt, require, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import RSI
from plutarc.strategy.series import Bars


@register
class RsiLevel(Component):
    spec = ComponentSpec(
        id="rsi_level",
        kind=Kind.SIGNAL,
        name="RSI Level",
        description="+1 while RSI is at or below oversold, -1 at or above overbought, else 0.",
        params=(
            Param("period", int, 14, "RSI period (bars).", min=2, max=200),
            Param(
                "oversold", float, 30.0, "RSI at or below which to lean long.", min=0.0, max=100.0
            ),
            Param(
                "overbought",
                float,
                70.0,
                "RSI at or above which to lean short.",
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
        long_ = rsi <= float(self.params["oversold"])
        short = rsi >= float(self.params["overbought"])
        return Output(value=rsi, score=event_score(long_, short, ~np.isnan(rsi)))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("RSI")
        low, high = float(self.params["oversold"]), float(self.params["overbought"])
        if value <= low:
            return f"RSI={fmt(value, 1)} <= {fmt(low, 1)} (oversold)"
        if value >= high:
            return f"RSI={fmt(value, 1)} >= {fmt(high, 1)} (overbought)"
        return f"RSI={fmt(value, 1)} inside ({fmt(low, 1)}, {fmt(high, 1)})"
