"""Micro momentum: the slope of a short EMA in ATRs per bar, squashed into a score."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, squash, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ATR, EMA
from plutarc.strategy.indicators.stream import Diff
from plutarc.strategy.series import Bars


@register
class MicroMomentum(Component):
    spec = ComponentSpec(
        id="micro_momentum",
        kind=Kind.SIGNAL,
        name="Micro Momentum",
        description="Slope of a short EMA measured in ATRs per bar, tanh-squashed to [-1, 1].",
        params=(
            Param("ema", int, 5, "Short EMA period (bars).", min=2, max=100),
            Param(
                "slope_bars", int, 3, "Bars over which the EMA's slope is measured.", min=1, max=50
            ),
            Param(
                "atr", int, 14, "ATR period (bars) used as the unit of movement.", min=2, max=500
            ),
            Param(
                "scale_atr",
                float,
                0.3,
                "Slope (ATRs per bar) that scores 0.76; smaller = more eager.",
                min=0.001,
                max=10.0,
            ),
        ),
        warmup=lambda p: max(int(p["ema"]) + int(p["slope_bars"]), int(p["atr"]) + 1),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._ema = EMA(int(self.params["ema"]))
        self._atr = ATR(int(self.params["atr"]))
        self._rise = Diff(int(self.params["slope_bars"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        ema = self._ema.update(bars.close)
        atr = self._atr.update(bars.high, bars.low, bars.close)
        slope = self._rise.update(ema) / int(self.params["slope_bars"])
        slope_atr = ratio(slope, atr)
        return Output(value=slope_atr, score=squash(slope_atr, float(self.params["scale_atr"])))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("EMA slope")
        return f"EMA({self.params['ema']}) slope={fmt(value, 3)} ATR/bar"
