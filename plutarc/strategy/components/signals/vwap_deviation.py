"""VWAP deviation: lean back toward the anchored volume-weighted average price."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, squash, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import VWAP
from plutarc.strategy.series import Bars

ANCHOR_MS = {"1h": 3_600_000, "4h": 14_400_000, "8h": 28_800_000, "1d": 86_400_000}


@register
class VwapDeviation(Component):
    spec = ComponentSpec(
        id="vwap_deviation",
        kind=Kind.SIGNAL,
        name="VWAP Deviation",
        description=(
            "Close vs the anchored VWAP (%), scored against the gap: above VWAP leans short."
        ),
        params=(
            Param(
                "anchor",
                str,
                "1d",
                "VWAP restarts at each UTC boundary of this length.",
                choices=tuple(ANCHOR_MS),
            ),
            Param("scale_pct", float, 1.0, "Deviation (%) that scores -0.76.", min=0.001, max=50.0),
        ),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._vwap = VWAP(ANCHOR_MS[str(self.params["anchor"])])

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        vwap = self._vwap.update(bars.ts_ms, bars.high, bars.low, bars.close, bars.volume)
        deviation_pct = (ratio(bars.close, vwap) - 1.0) * 100.0
        score = -squash(deviation_pct, float(self.params["scale_pct"]))
        return Output(value=deviation_pct, score=score)

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("VWAP")
        return f"close {fmt(value, 3)}% from VWAP"
