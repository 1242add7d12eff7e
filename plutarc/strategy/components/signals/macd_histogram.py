"""MACD histogram: the gap between MACD and its signal, in ATRs, as a continuous score."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, squash, warming
from plutarc.strategy.components.signals.macd_cross import MACD_PARAMS, make_macd
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ATR
from plutarc.strategy.series import Bars


@register
class MacdHistogram(Component):
    spec = ComponentSpec(
        id="macd_histogram",
        kind=Kind.SIGNAL,
        name="MACD Histogram",
        description="MACD minus its signal line, in ATRs, tanh-squashed: momentum accelerating.",
        params=(
            *MACD_PARAMS,
            Param("atr", int, 14, "ATR period (bars) used as the unit.", min=2, max=500),
            Param(
                "scale_atr",
                float,
                0.25,
                "Histogram size (ATRs) that scores 0.76.",
                min=0.001,
                max=10.0,
            ),
        ),
        warmup=lambda p: max(int(p["slow"]) + int(p["signal"]), int(p["atr"]) + 1),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._macd = make_macd(self.spec.id, self.params)
        self._atr = ATR(int(self.params["atr"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        _, _, hist = self._macd.update(bars.close)
        atr = self._atr.update(bars.high, bars.low, bars.close)
        hist_atr = ratio(hist, atr)
        return Output(value=hist_atr, score=squash(hist_atr, float(self.params["scale_atr"])))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("MACD histogram")
        return f"MACD histogram={fmt(value, 3)} ATR"
