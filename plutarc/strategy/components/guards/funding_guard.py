"""Funding guard: no longs while funding is expensive for longs, no shorts while for shorts."""

from __future__ import annotations

import numpy as np

from plutarc.intervals import INTERVAL_MS
from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit
from plutarc.strategy.context import MarketContext
from plutarc.strategy.series import Bars

HOUR_MS = INTERVAL_MS["1h"]


@register
class FundingGuard(Component):
    spec = ComponentSpec(
        id="funding_guard",
        kind=Kind.GUARD,
        name="Funding Guard",
        description="Vetoes longs while funding >= max_rate_pct and shorts while <= -max_rate_pct.",
        params=(
            Param(
                "max_rate_pct",
                float,
                0.05,
                "Funding (% per period) at which to veto the payer.",
                min=0.0,
                max=5.0,
            ),
            Param(
                "max_age_h",
                int,
                9,
                "Ignore a funding reading older than this many hours.",
                min=1,
                max=72,
            ),
        ),
        intervals=("1h",),
        data=("candles", "funding"),
    )

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        max_age_ms = int(self.params["max_age_h"]) * HOUR_MS
        rate_pct = ctx.funding.at(bars.close_ts_ms, max_age_ms) * 100.0
        limit = float(self.params["max_rate_pct"])
        # Written as "not vetoed" so that a missing reading (NaN) allows both sides.
        return Output(
            value=rate_pct,
            allow_long=~(rate_pct >= limit),
            allow_short=~(rate_pct <= -limit),
        )

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return "no funding data (no opinion)"
        limit = float(self.params["max_rate_pct"])
        if direction is Direction.SHORT:
            return describe_limit("funding", value, ">", -limit, digits=4, unit="%")
        return describe_limit("funding", value, "<", limit, digits=4, unit="%")
