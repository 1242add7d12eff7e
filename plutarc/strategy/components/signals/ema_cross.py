"""EMA cross: +1 on the bar the fast EMA crosses above the slow one, -1 below, else 0."""

from __future__ import annotations

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators.stream import Ewm, Lag
from plutarc.strategy.series import Bars


@register
class EmaCross(Component):
    spec = ComponentSpec(
        id="ema_cross",
        kind=Kind.SIGNAL,
        name="EMA Cross",
        description="+1 when the fast EMA crosses above the slow EMA, -1 when it crosses below.",
        params=(
            Param("fast", int, 20, "Fast EMA period (bars).", min=2, max=500),
            Param("slow", int, 50, "Slow EMA period (bars).", min=3, max=2000),
        ),
        warmup=lambda p: int(p["slow"]) + 1,
    )

    def __init__(self, params):
        super().__init__(params)
        if self.params["fast"] >= self.params["slow"]:
            raise ValueError("fast must be shorter than slow")
        self._fast = Ewm.span(self.params["fast"])
        self._slow = Ewm.span(self.params["slow"])
        self._prev_gt = Lag(1)
        self._prev_lt = Lag(1)
        self._prev_slow = Lag(1)

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        fast = self._fast.update(bars.close)
        slow = self._slow.update(bars.close)
        # NaN comparisons are False, exactly as the textbook rule reads.
        gt = (fast > slow).astype(np.float64)
        lt = (fast < slow).astype(np.float64)
        prev_gt = self._prev_gt.update(gt)
        prev_lt = self._prev_lt.update(lt)
        prev_slow = self._prev_slow.update(slow)
        defined = ~np.isnan(slow) & ~np.isnan(prev_slow)
        up = defined & (gt == 1.0) & (prev_gt != 1.0)
        down = defined & (lt == 1.0) & (prev_lt != 1.0)
        score = np.where(defined, up.astype(float) - down.astype(float), np.nan)
        spread = (fast - slow) / slow
        return Output(value=spread, score=score)

    def explain(self, value: float, direction: Direction | None) -> str:
        return f"EMA spread={value * 100:.3f}% (no cross)"
