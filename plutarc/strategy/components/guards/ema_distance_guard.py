"""EMA distance guard: trend mode vetoes chasing far from the EMA; range mode vetoes entries
too close to it (no stretch to revert from)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import describe_limit, ratio
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ATR, EMA
from plutarc.strategy.series import Bars


@register
class EmaDistanceGuard(Component):
    spec = ComponentSpec(
        id="ema_distance_guard",
        kind=Kind.GUARD,
        name="EMA Distance Guard",
        description=(
            "Close-to-EMA distance in ATRs: trend mode vetoes chasing beyond it, "
            "range mode entries within it."
        ),
        params=(
            Param("period", int, 20, "EMA period (bars).", min=2, max=2000),
            Param("atr", int, 14, "ATR period (bars) used as the unit.", min=2, max=2000),
            Param("distance_atr", float, 2.0, "Distance limit in ATRs.", min=0.0, max=50.0),
            Param(
                "mode",
                str,
                "trend",
                "trend: veto chasing beyond the limit; range: veto inside it.",
                choices=("trend", "range"),
            ),
        ),
        warmup=lambda p: max(int(p["period"]), int(p["atr"]) + 1),
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._ema = EMA(int(self.params["period"]))
        self._atr = ATR(int(self.params["atr"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        ema = self._ema.update(bars.close)
        atr = self._atr.update(bars.high, bars.low, bars.close)
        distance = ratio(bars.close - ema, atr)
        limit = float(self.params["distance_atr"])
        if self.params["mode"] == "trend":
            return Output(
                value=distance, allow_long=distance <= limit, allow_short=distance >= -limit
            )
        far_enough = np.abs(distance) >= limit
        return Output(value=distance, allow_long=far_enough, allow_short=far_enough.copy())

    def explain(self, value: float, direction: Direction | None) -> str:
        limit = float(self.params["distance_atr"])
        if self.params["mode"] == "range":
            return describe_limit("|EMA distance|", abs(value), ">=", limit, unit=" ATR")
        if direction is Direction.SHORT:
            return describe_limit("EMA distance", value, ">=", -limit, unit=" ATR")
        return describe_limit("EMA distance", value, "<=", limit, unit=" ATR")
