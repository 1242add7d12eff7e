"""Entry cooldown: after an entry, veto new entries for a while (needs the bot's state)."""

from __future__ import annotations

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.context import MarketContext
from plutarc.strategy.series import Bars


@register
class EntryCooldown(Component):
    """Stateful: the bot applies it with its last entry time (see strategy.policy)."""

    spec = ComponentSpec(
        id="entry_cooldown", kind=Kind.GUARD, name="Entry Cooldown",
        description="Vetoes a new entry until some minutes have passed since the last one.",
        params=(Param("minutes", int, 60, "Minutes after an entry.", 1, 10_080),),
        stateful=True,
    )

    @property
    def cooldown_ms(self) -> int:
        return int(self.params["minutes"]) * 60_000

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        n = len(bars)
        return Output(value=np.zeros(n), allow_long=np.ones(n, bool), allow_short=np.ones(n, bool))

    def explain(self, value: float, direction: Direction | None) -> str:
        return f"{value:.0f} min since the last entry < {self.params['minutes']}"
