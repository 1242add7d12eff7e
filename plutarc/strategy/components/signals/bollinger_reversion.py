"""Bollinger reversion: the close re-entering the bands after a stretch outside them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import Crossing, event_score, fmt, ratio, warming
from plutarc.strategy.components.signals.bollinger_breakout import BOLLINGER_PARAMS
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import Bollinger
from plutarc.strategy.series import Bars


@register
class BollingerReversion(Component):
    spec = ComponentSpec(
        id="bollinger_reversion",
        kind=Kind.SIGNAL,
        name="Bollinger Reversion",
        description="+1 when the close climbs back above the lower band, -1 back below the upper.",
        params=BOLLINGER_PARAMS,
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._bands = Bollinger(int(self.params["period"]), float(self.params["k"]))
        self._upper_cross = Crossing()
        self._lower_cross = Crossing()

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        _, upper, lower, _ = self._bands.update(bars.close)
        _, back_below_upper, defined = self._upper_cross.update(bars.close, upper)
        back_above_lower, _, _ = self._lower_cross.update(bars.close, lower)
        percent_b = ratio(bars.close - lower, upper - lower)
        score = event_score(back_above_lower, back_below_upper, defined)
        return Output(value=percent_b, score=score)

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("Bollinger bands")
        return f"%B={fmt(value, 2)} (no re-entry into the bands)"
