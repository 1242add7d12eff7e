"""Spread guard: no entries while the quoted bid/ask spread is too wide."""

from __future__ import annotations

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit
from plutarc.strategy.context import MarketContext
from plutarc.strategy.series import Bars


@register
class SpreadGuard(Component):
    spec = ComponentSpec(
        id="spread_guard",
        kind=Kind.GUARD,
        name="Spread Guard",
        description="Vetoes entries while the bid/ask spread is at or above max_bps.",
        params=(
            Param(
                "max_bps",
                float,
                5.0,
                "Widest spread (basis points) that allows entries.",
                min=0.0,
                max=1000.0,
            ),
            Param(
                "max_age_s",
                int,
                120,
                "Ignore a spread reading older than this (no opinion).",
                min=1,
                max=86_400,
            ),
        ),
        data=("candles", "spread"),
    )

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        spread = ctx.spread_bps.at(bars.close_ts_ms, int(self.params["max_age_s"]) * 1000)
        # NaN (no reading) compares False, so it vetoes nothing.
        allow = ~(spread >= float(self.params["max_bps"]))
        return Output(value=spread, allow_long=allow, allow_short=allow.copy())

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return "no spread data (no opinion)"
        return describe_limit(
            "spread", value, "<", float(self.params["max_bps"]), digits=1, unit="bps"
        )
