"""Counter-trend veto: no longs while the higher-timeframe trend is down, no shorts while up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import EMA
from plutarc.strategy.indicators.stream import Lag
from plutarc.strategy.series import Bars


@register
class CounterTrendVeto(Component):
    spec = ComponentSpec(
        id="counter_trend_veto",
        kind=Kind.GUARD,
        name="Counter-Trend Veto",
        description=(
            "On a higher timeframe, vetoes longs while the trend is down and shorts while up "
            "(trend = EMA slope, or close vs EMA)."
        ),
        params=(
            Param(
                "period",
                int,
                50,
                "Trend EMA period (bars of the higher interval).",
                min=2,
                max=2000,
            ),
            Param(
                "mode",
                str,
                "slope",
                "slope: trend is the EMA's slope; price: close vs EMA.",
                choices=("slope", "price"),
            ),
            Param(
                "slope_bars",
                int,
                3,
                "Bars over which the slope is measured (slope mode).",
                min=1,
                max=200,
            ),
        ),
        warmup=lambda p: int(p["period"]) + int(p["slope_bars"]),
        higher_timeframe=True,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._ema = EMA(int(self.params["period"]))
        self._then = Lag(int(self.params["slope_bars"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        ema = self._ema.update(bars.close)
        then = self._then.update(ema)
        if self.params["mode"] == "slope":
            trend_pct = (ratio(ema, then) - 1.0) * 100.0 / int(self.params["slope_bars"])
        else:
            trend_pct = (ratio(bars.close, ema) - 1.0) * 100.0
        # A flat trend vetoes nothing; an unknown one vetoes both (still warming up).
        return Output(value=trend_pct, allow_long=trend_pct >= 0, allow_short=trend_pct <= 0)

    def explain(self, value: float, direction: Direction | None) -> str:
        label = "HTF EMA slope" if self.params["mode"] == "slope" else "HTF close vs EMA"
        unit = "%/bar" if self.params["mode"] == "slope" else "%"
        if np.isnan(value):
            return warming(label)
        trend = "down" if value < 0 else "up" if value > 0 else "flat"
        return f"{label}={fmt(value, 4)}{unit} (trend {trend})"
