"""Rate of change: the close's % change over N bars as a momentum score."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, squash, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ROC
from plutarc.strategy.series import Bars


@register
class RocMomentum(Component):
    spec = ComponentSpec(
        id="roc_momentum",
        kind=Kind.SIGNAL,
        name="ROC Momentum",
        description="% change of the close over N bars, tanh-squashed: rising leans long.",
        params=(
            Param("period", int, 10, "Lookback (bars).", min=1, max=2000),
            Param("scale_pct", float, 0.3, "% change that scores 0.76.", min=0.001, max=100.0),
        ),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._roc = ROC(int(self.params["period"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        roc_pct = self._roc.update(bars.close)
        return Output(value=roc_pct, score=squash(roc_pct, float(self.params["scale_pct"])))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("ROC")
        return f"ROC({self.params['period']})={fmt(value, 3)}%"
