"""OBV trend: on-balance volume above or below its own EMA (volume leading price)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, squash, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import EMA, OBV
from plutarc.strategy.indicators.stream import RollingSum
from plutarc.strategy.series import Bars


@register
class ObvTrend(Component):
    spec = ComponentSpec(
        id="obv_trend",
        kind=Kind.SIGNAL,
        name="OBV Trend",
        description="OBV minus its EMA, as a share of the period's volume, tanh-squashed.",
        params=(
            Param("period", int, 20, "EMA and volume window (bars).", min=2, max=2000),
            Param(
                "scale",
                float,
                0.25,
                "Share of the window's volume that scores 0.76.",
                min=0.01,
                max=5.0,
            ),
        ),
        warmup=lambda p: int(p["period"]),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        period = int(self.params["period"])
        self._obv = OBV()
        self._ema = EMA(period)
        self._volume = RollingSum(period)

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        obv = self._obv.update(bars.close, bars.volume)
        # Dividing by the window's volume makes the reading comparable across markets.
        lead = ratio(obv - self._ema.update(obv), self._volume.update(bars.volume))
        return Output(value=lead, score=squash(lead, float(self.params["scale"])))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("OBV")
        return f"OBV lead={fmt(value, 3)} of window volume"
