"""Trend strength: the regression trend's move across its window, measured in ATRs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param, gate
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit, ratio
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ATR, Slope
from plutarc.strategy.series import Bars


@register
class TrendStrengthFilter(Component):
    spec = ComponentSpec(
        id="trend_strength_filter",
        kind=Kind.FILTER,
        name="Trend Strength Filter",
        description="Passes while |regression slope| x window, in ATRs, is at least min_atr.",
        params=(
            Param("period", int, 30, "Regression window (bars).", min=3, max=5000),
            Param("atr", int, 14, "ATR period (bars) used as the unit.", min=2, max=2000),
            Param(
                "min_atr",
                float,
                2.0,
                "Least trend move across the window (ATRs) that passes.",
                min=0.0,
                max=100.0,
            ),
        ),
        warmup=lambda p: max(int(p["period"]), int(p["atr"]) + 1),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._slope = Slope(int(self.params["period"]))
        self._atr = ATR(int(self.params["atr"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        slope = self._slope.update(bars.close)
        atr = self._atr.update(bars.high, bars.low, bars.close)
        move_atr = ratio(np.abs(slope) * (int(self.params["period"]) - 1), atr)
        return gate(move_atr, move_atr >= float(self.params["min_atr"]))

    def explain(self, value: float, direction: Direction | None) -> str:
        return describe_limit("trend move", value, ">=", float(self.params["min_atr"]), unit=" ATR")
