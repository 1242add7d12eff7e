"""Take-profit rules: a target price set at entry, resting as a reduce-only limit order."""

from __future__ import annotations

import numpy as np

from plutarc.strategy.components.base import ComponentSpec, Kind, Param
from plutarc.strategy.components.exits.base import ExitRule
from plutarc.strategy.components.registry import register


@register
class TakeProfit(ExitRule):
    role = "target"
    spec = ComponentSpec(
        id="take_profit", kind=Kind.EXIT, name="Take Profit",
        description="Closes the position at a fixed percentage gain from entry.",
        params=(Param("target_pct", float, 3.0, "Gain from entry, % of price.", 0.05, 500.0),),
    )

    def target(self, side: int, entry: float, atr: float) -> float:
        return entry * (1.0 + side * self.params["target_pct"] / 100.0)


@register
class AtrTakeProfit(ExitRule):
    role = "target"
    spec = ComponentSpec(
        id="atr_take_profit", kind=Kind.EXIT, name="ATR Take Profit",
        description="Closes the position a multiple of the exit ATR (at entry) from entry.",
        params=(Param("atr_mult", float, 4.0, "ATR multiples from entry.", 0.5, 50.0),),
    )

    def target(self, side: int, entry: float, atr: float) -> float:
        return entry + side * self.params["atr_mult"] * atr if np.isfinite(atr) else np.nan
