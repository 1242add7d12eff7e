"""Protective stop rules: each yields a stop level; the bot keeps the tightest, resting on the
venue as one reduce-only stop order."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from plutarc.strategy.components.base import ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.exits.base import (
    ExitRule,
    ExitView,
    PathResult,
    RuleState,
    ratchet,
    running_peak,
)
from plutarc.strategy.components.registry import register
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators.stream import Lag, RollingWindow, WilderSeeded
from plutarc.strategy.series import Bars


def _done(state: RuleState, peak: np.ndarray, levels: np.ndarray) -> PathResult:
    last_level = float(levels[-1]) if levels.size else state.level
    last_peak = float(peak[-1]) if peak.size else state.peak
    return PathResult(levels, None, replace(state, peak=last_peak, level=last_level))


@register
class HardStopLoss(ExitRule):
    static = True
    spec = ComponentSpec(
        id="hard_stop_loss", kind=Kind.EXIT, name="Hard Stop Loss",
        description="A fixed stop a set percentage from the entry fill.",
        params=(Param("stop_pct", float, 2.0, "Distance from entry, % of price.", 0.05, 50.0),),
    )

    @classmethod
    def protects_from_entry(cls, params: dict) -> bool:
        return True

    def initial_stop(self, side: int, entry: float, atr: float, own_last: float) -> float:
        return entry * (1.0 - side * self.params["stop_pct"] / 100.0)

    def path(self, state: RuleState, view: ExitView) -> PathResult:
        level = self.initial_stop(state.side, state.entry, state.atr_at_entry, np.nan)
        # the state already carries this level from the entry (almost always): keep it
        kept = state if state.level == level else replace(state, level=level)
        return PathResult(np.full(view.high.size, level), None, kept)


@register
class BreakEvenStop(ExitRule):
    spec = ComponentSpec(
        id="break_even_stop", kind=Kind.EXIT, name="Break-Even Stop",
        description="Moves the stop to entry (plus an offset) once price has moved in favour.",
        params=(
            Param("trigger_pct", float, 1.0, "Favourable move that arms it, % of entry.",
                  0.05, 50.0),
            Param("offset_pct", float, 0.05, "Stop above entry once armed (fees), %.", 0.0, 5.0),
        ),
    )

    def path(self, state: RuleState, view: ExitView) -> PathResult:
        peak = running_peak(state, view)
        gain_pct = (peak - state.entry) * state.side / state.entry * 100.0
        be = state.entry * (1.0 + state.side * self.params["offset_pct"] / 100.0)
        levels = np.where(gain_pct >= self.params["trigger_pct"], be, np.nan)
        return _done(state, peak, ratchet(state.side, state.level, levels))


@register
class TrailingStop(ExitRule):
    spec = ComponentSpec(
        id="trailing_stop", kind=Kind.EXIT, name="Trailing Stop",
        description="A stop a set percentage behind the best price since entry.",
        params=(
            Param("trail_pct", float, 1.5, "Distance behind the best price, %.", 0.05, 50.0),
            Param("activation_pct", float, 0.0, "Favourable move before it trails, %.", 0.0, 50.0),
        ),
    )

    @classmethod
    def protects_from_entry(cls, params: dict) -> bool:
        return params.get("activation_pct", 0.0) == 0

    def initial_stop(self, side: int, entry: float, atr: float, own_last: float) -> float:
        if self.params["activation_pct"] > 0:
            return np.nan
        return entry * (1.0 - side * self.params["trail_pct"] / 100.0)

    def path(self, state: RuleState, view: ExitView) -> PathResult:
        peak = running_peak(state, view)
        gain_pct = (peak - state.entry) * state.side / state.entry * 100.0
        trail = peak * (1.0 - state.side * self.params["trail_pct"] / 100.0)
        levels = np.where(gain_pct >= self.params["activation_pct"], trail, np.nan)
        return _done(state, peak, ratchet(state.side, state.level, levels))


@register
class AtrTrailingStop(ExitRule):
    spec = ComponentSpec(
        id="atr_trailing_stop", kind=Kind.EXIT, name="ATR Trailing Stop",
        description="A stop a multiple of the exit ATR behind the best price since entry.",
        params=(Param("atr_mult", float, 3.0, "ATR multiples behind the best price.", 0.5, 20.0),),
    )

    @classmethod
    def protects_from_entry(cls, params: dict) -> bool:
        return True

    def initial_stop(self, side: int, entry: float, atr: float, own_last: float) -> float:
        return entry - side * self.params["atr_mult"] * atr if np.isfinite(atr) else np.nan

    def path(self, state: RuleState, view: ExitView) -> PathResult:
        peak = running_peak(state, view)
        levels = peak - state.side * self.params["atr_mult"] * view.atr
        return _done(state, peak, ratchet(state.side, state.level, levels))


@register
class ChandelierExit(ExitRule):
    spec = ComponentSpec(
        id="chandelier_exit", kind=Kind.EXIT, name="Chandelier Exit",
        description="Stop at the highest high (lowest low) of N bars minus k ATR(N), ratcheted.",
        params=(
            Param("period", int, 22, "Lookback for the extreme and the ATR (bars).", 2, 500),
            Param("atr_mult", float, 3.0, "ATR multiples from the extreme.", 0.5, 20.0),
        ),
        warmup=lambda p: int(p["period"]) + 1,
    )

    @classmethod
    def protects_from_entry(cls, params: dict) -> bool:
        return True

    def __init__(self, params):
        super().__init__(params)
        n = self.params["period"]
        self._hh = RollingWindow(n, "max")
        self._ll = RollingWindow(n, "min")
        self._prev = Lag(1)
        self._atr = WilderSeeded(n)

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        prev = self._prev.update(bars.close)
        prev = np.where(np.isnan(prev), bars.close, prev)
        atr = self._atr.update(np.maximum(bars.high, prev) - np.minimum(bars.low, prev))
        k = self.params["atr_mult"]
        long_line = self._hh.update(bars.high) - k * atr
        short_line = self._ll.update(bars.low) + k * atr
        return Output(value=long_line, score=short_line)  # score carries the short line

    def initial_stop(self, side: int, entry: float, atr: float, own_last: float) -> float:
        return own_last

    def path(self, state: RuleState, view: ExitView) -> PathResult:
        line = view.own.value if state.side > 0 else view.own.score
        peak = running_peak(state, view)
        # The line is a stop only once it is on the protective side of a close (below it for
        # a long): the N-bar extreme can leave it past the market at entry, where a stop
        # would fill on the next candle. Armed (a valid level), it ratchets as usual.
        armed = np.logical_or.accumulate((line - view.close) * state.side < 0)
        if np.isfinite(state.level):
            armed[:] = True
        return _done(state, peak, ratchet(state.side, state.level,
                                          np.where(armed, line, np.nan)))
