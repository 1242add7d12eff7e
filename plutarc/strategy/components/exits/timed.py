"""Close-now rules: leave at the next open when a condition holds at an exit close."""

from __future__ import annotations

from plutarc.strategy.components.base import ComponentSpec, Kind, Param
from plutarc.strategy.components.exits.base import ExitRule, ExitView, PathResult, RuleState
from plutarc.strategy.components.registry import register


@register
class TimeStop(ExitRule):
    role = "close"
    spec = ComponentSpec(
        id="time_stop", kind=Kind.EXIT, name="Time Stop",
        description="Closes the position after it has been held a number of exit bars.",
        params=(Param("max_bars", int, 240, "Exit-interval bars to hold at most.", 1, 100_000),),
    )

    def path(self, state: RuleState, view: ExitView) -> PathResult:
        return PathResult(None, view.bars_held >= self.held_limit(), state)

    def held_limit(self) -> int:
        return self.params["max_bars"]


@register
class SignalReversalExit(ExitRule):
    """Evaluated by the bot on each trigger close with the combined score (not per exit bar)."""

    role = "signal"
    spec = ComponentSpec(
        id="signal_reversal_exit", kind=Kind.EXIT, name="Signal-Reversal Exit",
        description="Closes the position when the combined score turns against it.",
        params=(Param("threshold", float, 0.3, "Opposite |score| that closes it.", 0.0, 1.0),),
    )

    def wants_exit(self, side: int, score: float) -> bool:
        return score == score and side * score <= -self.params["threshold"]
