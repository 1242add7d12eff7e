"""CCI reversion: CCI returning inside its +-level band after an extreme."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import Crossing, event_score, fmt, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import CCI
from plutarc.strategy.series import Bars


@register
class CciReversion(Component):
    spec = ComponentSpec(
        id="cci_reversion",
        kind=Kind.SIGNAL,
        name="CCI Reversion",
        description="+1 when CCI climbs back above -level, -1 when it falls back below +level.",
        params=(
            Param("period", int, 20, "CCI period (bars).", min=2, max=2000),
            Param(
                "level",
                float,
                100.0,
                "Extreme band: beyond +-level is stretched.",
                min=1.0,
                max=1000.0,
            ),
        ),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._cci = CCI(int(self.params["period"]))
        self._lower_cross = Crossing()
        self._upper_cross = Crossing()

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        cci = self._cci.update(bars.high, bars.low, bars.close)
        level = float(self.params["level"])
        back_up, _, defined = self._lower_cross.update(cci, -level)
        _, back_down, _ = self._upper_cross.update(cci, level)
        return Output(value=cci, score=event_score(back_up, back_down, defined))

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("CCI")
        return f"CCI={fmt(value, 1)} (no return inside +-{self.params['level']})"
