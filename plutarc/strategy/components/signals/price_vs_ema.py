"""Price vs EMA: which side of its trend average the close is on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, sign_score, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import EMA
from plutarc.strategy.series import Bars


@register
class PriceVsEma(Component):
    spec = ComponentSpec(
        id="price_vs_ema",
        kind=Kind.SIGNAL,
        name="Price vs EMA",
        description="+1 while the close is above the EMA, -1 while below.",
        params=(Param("period", int, 50, "EMA period (bars).", min=2, max=2000),),
        warmup=lambda p: int(p["period"]),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._ema = EMA(int(self.params["period"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        ema = self._ema.update(bars.close)
        distance_pct = (ratio(bars.close, ema) - 1.0) * 100.0
        return Output(value=distance_pct, score=sign_score(distance_pct))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("EMA")
        return f"close {fmt(value, 3)}% from EMA({self.params['period']})"
