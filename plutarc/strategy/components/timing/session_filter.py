"""Session filter: allows entries only during chosen UTC hours and weekdays."""

from __future__ import annotations

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param, gate
from plutarc.strategy.components.registry import register
from plutarc.strategy.context import MarketContext
from plutarc.strategy.series import Bars


@register
class SessionFilter(Component):
    spec = ComponentSpec(
        id="session_filter", kind=Kind.FILTER, name="Session Filter",
        description="Passes only when the bar closes inside a UTC hour window on chosen days.",
        params=(
            Param("start_hour", int, 0, "First UTC hour allowed (inclusive).", 0, 23),
            Param("end_hour", int, 24, "UTC hour the window ends (exclusive).", 1, 24),
            Param("weekends", bool, True, "Allow Saturday and Sunday."),
        ),
    )

    def __init__(self, params):
        super().__init__(params)
        if self.params["start_hour"] >= self.params["end_hour"]:
            raise ValueError("start_hour must be before end_hour")

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        close_minute = bars.close_ts_ms // 60_000 - 1  # the bar's last minute
        hour = (close_minute // 60) % 24
        weekday = (close_minute // 1440 + 3) % 7
        ok = (hour >= self.params["start_hour"]) & (hour < self.params["end_hour"])
        if not self.params["weekends"]:
            ok &= weekday < 5
        return gate(hour.astype(np.float64), ok)

    def explain(self, value: float, direction: Direction | None) -> str:
        if value != value:
            return "no bar time yet"
        return (f"UTC hour {int(value)} outside {self.params['start_hour']:02d}-"
                f"{self.params['end_hour']:02d}" + ("" if self.params["weekends"] else " weekdays"))
