"""EMA slope: the direction and pace of a trend-following average, in % per bar."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, squash, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import EMA
from plutarc.strategy.indicators.stream import Lag
from plutarc.strategy.series import Bars


@register
class EmaSlope(Component):
    spec = ComponentSpec(
        id="ema_slope",
        kind=Kind.SIGNAL,
        name="EMA Slope",
        description="Change of an EMA in % per bar over a few bars, tanh-squashed.",
        params=(
            Param("period", int, 50, "EMA period (bars).", min=2, max=2000),
            Param("slope_bars", int, 5, "Bars over which the slope is measured.", min=1, max=200),
            Param(
                "scale_pct",
                float,
                0.02,
                "Slope (% per bar) that scores 0.76.",
                min=0.0001,
                max=10.0,
            ),
        ),
        warmup=lambda p: int(p["period"]) + int(p["slope_bars"]),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._ema = EMA(int(self.params["period"]))
        self._then = Lag(int(self.params["slope_bars"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        ema = self._ema.update(bars.close)
        then = self._then.update(ema)
        slope_pct = (ratio(ema, then) - 1.0) * 100.0 / int(self.params["slope_bars"])
        return Output(value=slope_pct, score=squash(slope_pct, float(self.params["scale_pct"])))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("EMA slope")
        return f"EMA({self.params['period']}) slope={fmt(value, 4)}%/bar"
