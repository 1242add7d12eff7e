"""Efficiency-ratio regime: Kaufman's net move over path length, high in trends, low in chop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param, gate
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit, ratio
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators.stream import Diff, RollingWindow
from plutarc.strategy.series import Bars


@register
class EfficiencyRatioRegime(Component):
    spec = ComponentSpec(
        id="efficiency_ratio_regime",
        kind=Kind.FILTER,
        name="Efficiency Ratio Regime",
        description=(
            "Kaufman ER = |net move| / path: trend mode "
            "passes while ER >= level, range while <= level."
        ),
        params=(
            Param("period", int, 20, "Window of the ratio (bars).", min=2, max=5000),
            Param(
                "level",
                float,
                0.3,
                "Efficiency-ratio threshold (0 = chop, 1 = straight line).",
                min=0.0,
                max=1.0,
            ),
            Param(
                "mode",
                str,
                "trend",
                "trend: need ER >= level; range: need ER <= level.",
                choices=("trend", "range"),
            ),
        ),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        period = int(self.params["period"])
        self._net = Diff(period)
        self._step = Diff(1)
        # Exact window sums: a carried cumulative sum would drift over a year of bars.
        self._path = RollingWindow(period, "sum_exact")

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        net = np.abs(self._net.update(bars.close))
        path = self._path.update(np.abs(self._step.update(bars.close)))
        er = ratio(net, path)
        level = float(self.params["level"])
        allow = er >= level if self.params["mode"] == "trend" else er <= level
        return gate(er, allow)

    def explain(self, value: float, direction: Direction | None) -> str:
        op = ">=" if self.params["mode"] == "trend" else "<="
        return describe_limit("ER", value, op, float(self.params["level"]))
