"""Open-interest guard: no entries after open interest has surged (crowded, squeeze-prone)."""

from __future__ import annotations

import numpy as np

from plutarc.intervals import INTERVAL_MS
from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit, ratio
from plutarc.strategy.context import MarketContext
from plutarc.strategy.series import Bars

HOUR_MS = INTERVAL_MS["1h"]


@register
class OpenInterestGuard(Component):
    spec = ComponentSpec(
        id="open_interest_guard",
        kind=Kind.GUARD,
        name="Open Interest Guard",
        description=(
            "Vetoes entries while open interest grew max_rise_pct or more over the lookback."
        ),
        params=(
            Param(
                "lookback",
                int,
                24,
                "Bars (hours) over which OI growth is measured.",
                min=1,
                max=720,
            ),
            Param(
                "max_rise_pct",
                float,
                10.0,
                "OI growth (%) at which entries are vetoed.",
                min=0.0,
                max=1000.0,
            ),
            Param(
                "max_age_h",
                int,
                5,
                "Ignore an OI reading older than this many hours.",
                min=1,
                max=48,
            ),
        ),
        intervals=("1h",),
        data=("candles", "open_interest"),
    )

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        lookback_ms = int(self.params["lookback"]) * bars.interval_ms
        max_age_ms = int(self.params["max_age_h"]) * HOUR_MS
        oi_now = ctx.open_interest.at(bars.close_ts_ms, max_age_ms)
        oi_then = ctx.open_interest.at(bars.close_ts_ms - lookback_ms, max_age_ms)
        growth_pct = (ratio(oi_now, oi_then) - 1.0) * 100.0
        allow = ~(growth_pct >= float(self.params["max_rise_pct"]))
        return Output(value=growth_pct, allow_long=allow, allow_short=allow.copy())

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return "no open-interest data (no opinion)"
        limit = float(self.params["max_rise_pct"])
        return describe_limit("OI growth", value, "<", limit, unit="%")
