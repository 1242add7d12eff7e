"""Keltner breakout: the close crossing out of the ATR channel around an EMA."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import Crossing, event_score, fmt, ratio, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import Keltner
from plutarc.strategy.series import Bars


@register
class KeltnerBreakout(Component):
    spec = ComponentSpec(
        id="keltner_breakout",
        kind=Kind.SIGNAL,
        name="Keltner Breakout",
        description="+1 on the bar the close crosses above the upper channel, -1 below the lower.",
        params=(
            Param("period", int, 20, "EMA length of the channel centre (bars).", min=2, max=2000),
            Param("mult", float, 2.0, "Channel half-width in ATRs.", min=0.1, max=10.0),
            Param("atr", int, 10, "ATR period (bars).", min=2, max=500),
        ),
        warmup=lambda p: max(int(p["period"]), int(p["atr"]) + 1) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._channel = Keltner(
            int(self.params["period"]), float(self.params["mult"]), int(self.params["atr"])
        )
        self._upper_cross = Crossing()
        self._lower_cross = Crossing()

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        mid, upper, lower = self._channel.update(bars.high, bars.low, bars.close)
        up, _, defined = self._upper_cross.update(bars.close, upper)
        _, down, _ = self._lower_cross.update(bars.close, lower)
        # Position in half-widths: +1 on the upper line, -1 on the lower.
        position = ratio(bars.close - mid, upper - mid)
        return Output(value=position, score=event_score(up, down, defined))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("Keltner channel")
        return f"close at {fmt(value, 2)} half-widths from the centre (no channel cross)"
