"""Funding rate, read contrarian: crowded longs paying funding lean short, and vice versa."""

from __future__ import annotations

import numpy as np

from plutarc.intervals import INTERVAL_MS
from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, squash
from plutarc.strategy.context import MarketContext
from plutarc.strategy.series import Bars

HOUR_MS = INTERVAL_MS["1h"]


@register
class FundingRateSignal(Component):
    spec = ComponentSpec(
        id="funding_rate_signal",
        kind=Kind.SIGNAL,
        name="Funding Rate (contrarian)",
        description="Scores against the side paying funding: positive funding leans short.",
        params=(
            Param(
                "scale_pct",
                float,
                0.01,
                "Funding rate (% per funding period) that scores -0.76; the usual base rate.",
                min=0.0001,
                max=1.0,
            ),
            Param(
                "max_age_h",
                int,
                9,
                "Ignore a funding reading older than this many hours (no opinion).",
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
        score = -squash(rate_pct, float(self.params["scale_pct"]))
        return Output(value=rate_pct, score=score)

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return "no funding data (no opinion)"
        return f"funding={fmt(value, 4)}% per period"
