"""Z-score reversion: lean against the close's distance from its mean, in deviations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ZScore
from plutarc.strategy.series import Bars


@register
class ZscoreReversion(Component):
    spec = ComponentSpec(
        id="zscore_reversion",
        kind=Kind.SIGNAL,
        name="Z-Score Reversion",
        description="Score -z/full_z clipped to [-1, 1]: stretched above the mean leans short.",
        params=(
            Param("period", int, 20, "Window of the mean and deviation (bars).", min=2, max=2000),
            Param("full_z", float, 2.0, "Z-score that gives a full score of 1.", min=0.1, max=10.0),
        ),
        warmup=lambda p: int(p["period"]),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._z = ZScore(int(self.params["period"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        z = self._z.update(bars.close)
        score = np.clip(-z / float(self.params["full_z"]), -1.0, 1.0)
        return Output(value=z, score=score)

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("z-score")
        return f"z={fmt(value, 2)}"
