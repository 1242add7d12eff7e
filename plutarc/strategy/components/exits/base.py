"""Exit rules: position-independent inputs stream like any component; the position-dependent
part is a pure, vectorised function of the position's state over a run of exit closes.

A live bot evaluates one exit close at a time; the backtester previews a whole run at once
and commits the state up to where something happened. Both call ``path``: one rule, one code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, Output
from plutarc.strategy.context import MarketContext
from plutarc.strategy.series import Bars


@dataclass(frozen=True)
class ExitView:
    """Exit-interval closes since the last commit, as the rules see them."""

    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    atr: np.ndarray
    own: Output  # this rule's own streamed outputs at these closes
    bars_held: np.ndarray  # exit bars held at each close (1 = the first close after entry)


@dataclass(frozen=True)
class RuleState:
    """What a rule remembers about the open position; rules define their own fields."""

    side: int  # +1 long, -1 short
    entry: float
    atr_at_entry: float
    peak: float  # best price seen since entry (high for longs, low for shorts)
    level: float  # last stop level (NaN = none yet)


@dataclass(frozen=True)
class PathResult:
    stop: np.ndarray | None  # stop level in force AFTER each close (NaN = none)
    close_now: np.ndarray | None  # True: leave at the next open
    state: RuleState  # state after the last close of the view


class ExitRule(Component):
    """Base of exit rules. ``role`` says how the rule acts: a stop level, a target price, or
    a close-now flag."""

    role: ClassVar[str] = "stop"
    # True: the level is the one ``initial_stop`` gave at the entry and never moves (the
    # policy then never evaluates ``path``: the resting stop is the rule's whole effect)
    static: ClassVar[bool] = False

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        return Output(value=bars.close.copy())

    def explain(self, value: float, direction: Direction | None) -> str:
        return f"level={value:.2f}"

    @classmethod
    def protects_from_entry(cls, params: dict) -> bool:
        """True: with these parameters the rule gives a stop from the entry fill on (the
        policy opens no position it cannot protect), so it satisfies the template rule that
        every strategy has a protective stop. A stop that only arms later does not."""
        return False

    def initial_stop(self, side: int, entry: float, atr: float, own_last: float) -> float:
        """The stop level in force right after the entry fill (NaN = none)."""
        return np.nan

    def target(self, side: int, entry: float, atr: float) -> float:
        """A take-profit price (NaN = none)."""
        return np.nan

    def path(self, state: RuleState, view: ExitView) -> PathResult:
        return PathResult(None, None, state)

    def held_limit(self) -> int | None:
        """Exit bars held from which the rule closes the position, when that is its whole
        path (``close_now = bars_held >= limit``, state kept); None for any other rule. The
        policy then compares the bars held instead of building the rule's view."""
        return None


def running_peak(state: RuleState, view: ExitView) -> np.ndarray:
    """The best price since entry at each close (vectorised, starting from the state)."""
    if state.side > 0:
        return np.maximum.accumulate(np.maximum(view.high, state.peak))
    return np.minimum.accumulate(np.minimum(view.low, state.peak))


def ratchet(side: int, previous: float, levels: np.ndarray) -> np.ndarray:
    """A stop only ever tightens: running max for longs, running min for shorts (NaN = none).

    fmax/fmin skip NaN, so one accumulate gives the running best of the levels seen so far
    (NaN until the first); an infinite level is no level (NaN), as before."""
    best = np.fmax if side > 0 else np.fmin
    out = best.accumulate(best(levels, previous))
    inf = np.isinf(out)
    if inf.any():
        out[inf] = np.nan
    return out
