"""Open-interest momentum: rising open interest confirms the direction price moved in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.intervals import INTERVAL_MS
from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, squash
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators.stream import Lag
from plutarc.strategy.series import Bars

HOUR_MS = INTERVAL_MS["1h"]


@register
class OpenInterestMomentum(Component):
    spec = ComponentSpec(
        id="open_interest_momentum",
        kind=Kind.SIGNAL,
        name="Open Interest Momentum",
        description=(
            "Price direction weighted by OI growth: new positions confirm the move, "
            "closing ones give 0."
        ),
        params=(
            Param(
                "lookback", int, 4, "Bars (hours) over which OI and price change.", min=1, max=168
            ),
            Param(
                "scale_pct",
                float,
                1.0,
                "OI growth (%) over the lookback that scores 0.76.",
                min=0.01,
                max=100.0,
            ),
            Param(
                "max_age_h",
                int,
                5,
                "Ignore an OI reading older than this many hours (no opinion).",
                min=1,
                max=48,
            ),
        ),
        warmup=lambda p: int(p["lookback"]) + 1,
        intervals=("1h",),
        data=("candles", "open_interest"),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._close_then = Lag(int(self.params["lookback"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        lookback_ms = int(self.params["lookback"]) * bars.interval_ms
        max_age_ms = int(self.params["max_age_h"]) * HOUR_MS
        oi_now = ctx.open_interest.at(bars.close_ts_ms, max_age_ms)
        oi_then = ctx.open_interest.at(bars.close_ts_ms - lookback_ms, max_age_ms)
        growth_pct = (ratio(oi_now, oi_then) - 1.0) * 100.0
        price_dir = np.sign(bars.close - self._close_then.update(bars.close))
        conviction = np.maximum(squash(growth_pct, float(self.params["scale_pct"])), 0.0)
        # sign(0) * anything = 0: a flat price confirms nothing.
        return Output(value=growth_pct, score=price_dir * conviction)

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return "no open-interest data (no opinion)"
        return f"OI change={fmt(value, 2)}% over {self.params['lookback']} bars"
