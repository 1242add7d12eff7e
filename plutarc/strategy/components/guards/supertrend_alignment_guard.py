"""Supertrend alignment: no entries against the higher-timeframe Supertrend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import warming
from plutarc.strategy.components.signals.supertrend_direction import SUPERTREND_PARAMS
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import Supertrend
from plutarc.strategy.series import Bars


@register
class SupertrendAlignmentGuard(Component):
    spec = ComponentSpec(
        id="supertrend_alignment_guard",
        kind=Kind.GUARD,
        name="Supertrend Alignment Guard",
        description=(
            "Higher timeframe: vetoes longs while the Supertrend points down, shorts while up."
        ),
        params=SUPERTREND_PARAMS,
        warmup=lambda p: int(p["atr"]) + 1,
        higher_timeframe=True,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._st = Supertrend(int(self.params["atr"]), float(self.params["mult"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        _, direction = self._st.update(bars.high, bars.low, bars.close)
        direction = np.asarray(direction, dtype=np.float64)
        return Output(value=direction, allow_long=direction > 0, allow_short=direction < 0)

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("HTF Supertrend")
        side = "up" if value > 0 else "down"
        return f"HTF Supertrend direction={value:+.0f} ({side})"
