"""Directional movement: +DI against -DI says which side is pushing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ADX
from plutarc.strategy.series import Bars


@register
class AdxDiDirection(Component):
    spec = ComponentSpec(
        id="adx_di_direction",
        kind=Kind.SIGNAL,
        name="DI Direction",
        description="(+DI - -DI) / (+DI + -DI): positive when buyers push harder than sellers.",
        params=(Param("period", int, 14, "DMI period (bars).", min=2, max=500),),
        warmup=lambda p: int(p["period"]) + 1,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._adx = ADX(int(self.params["period"]))

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        _, plus_di, minus_di = self._adx.update(bars.high, bars.low, bars.close)
        balance = ratio(plus_di - minus_di, plus_di + minus_di)
        return Output(value=plus_di - minus_di, score=balance)

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("DI")
        return f"+DI - -DI={fmt(value, 1)}"
