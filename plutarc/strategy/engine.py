"""The strategy engine: pure, stateful only in its causal indicator state.

``update(chunk)`` takes new closed base bars and returns the decisions for every trigger
close inside the chunk, plus the inputs exit rules need for every exit-interval close. The
backtester calls it once with the whole series; a live bot calls it once per closed bar:
the same code, the same numbers. No I/O, no clock reads, no randomness.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from plutarc.errors import DataError
from plutarc.intervals import interval_ms
from plutarc.strategy.combine import combine_scores, direction_of
from plutarc.strategy.components.base import Kind, Output
from plutarc.strategy.context import MarketContext
from plutarc.strategy.decision import DecisionBatch
from plutarc.strategy.resampler import StreamingResampler
from plutarc.strategy.series import Bars
from plutarc.strategy.sessions import in_sessions
from plutarc.strategy.slots import EXIT_ATR_PERIOD, NO_MOMENTS, ExitAtr, NewBars, Slot
from plutarc.strategy.template import Template
from plutarc.strategy.template_validation import ResolvedComponent, validate_template

__all__ = ["EXIT_ATR_PERIOD", "EngineStep", "ExitInputs", "StrategyEngine"]

@dataclass
class ExitInputs:
    """Exit-interval closes in a chunk and what exit rules read at each of them."""

    close_ts_ms: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    atr: np.ndarray  # exit ATR visible at each exit close (NaN while warming up)
    extras: dict[str, Output]  # exit component key -> its outputs at these closes

    def __len__(self) -> int:
        return int(self.close_ts_ms.shape[0])


@dataclass
class EngineStep:
    decisions: DecisionBatch
    exits: ExitInputs


def _rows(indices: Iterable[int]) -> np.ndarray:
    return np.fromiter(indices, dtype=np.intp)


class StrategyEngine:
    def __init__(self, template: Template, base_interval_ms: int,
                 resolved: list[ResolvedComponent] | None = None) -> None:
        resolved = resolved if resolved is not None else validate_template(template)
        self.template = template
        self.base_ms = base_interval_ms
        self.trigger_ms = interval_ms(template.trigger_interval)
        self.exit_ms = interval_ms(template.exit_interval)
        self.atr_ms = interval_ms(template.atr_interval)
        enabled = [r for r in resolved if r.use.enabled]
        self.resolved = enabled
        self.slots = [Slot(r) for r in enabled
                      if r.kind is not Kind.EXIT and not r.cls.spec.stateful]
        self.exit_slots = [Slot(r) for r in enabled if r.kind is Kind.EXIT]
        self.stateful = [r for r in enabled if r.cls.spec.stateful]
        needed = {self.trigger_ms, self.exit_ms, self.atr_ms} | {s.ms for s in self.slots}
        needed |= {s.ms for s in self.exit_slots}
        unbuildable = sorted(ms for ms in needed if ms % base_interval_ms)
        if unbuildable:
            finest = math.gcd(*needed)
            raise DataError(f"template {template.name!r} needs {_minutes(unbuildable[0])} "
                            f"candles, which cannot be built from {_minutes(base_interval_ms)} "
                            f"data: give {_minutes(finest)} candles or finer (1m suits every "
                            "template)")
        self._resamplers = {ms: StreamingResampler(base_interval_ms, ms) for ms in sorted(needed)}
        self._weights = np.array([r.use.weight for r in enabled
                                  if r.kind is Kind.SIGNAL and not r.cls.spec.stateful])
        self._signal_rows = _rows(k for k, s in enumerate(self.slots)
                                  if s.info.kind is Kind.SIGNAL)
        self._exit_atr = ExitAtr()
        side = template.direction
        self._side_allowed = {1: side in ("long", "both"), -1: side in ("short", "both")}
        # Per-update constants, worked out once.
        self._infos = [s.info for s in self.slots]
        rows = list(enumerate(self.slots))
        self._value_rows = _rows(k for k, s in rows if not s.info.optional_data)
        self._score_rows = _rows(k for k, s in rows
                                 if not s.info.optional_data and s.info.kind is Kind.SIGNAL)
        self._gate_rows = _rows(k for k, s in rows if s.info.kind in (Kind.FILTER, Kind.GUARD))
        self._no_context = MarketContext()
        nothing = {ms: NewBars.of(Bars.empty(ms)) for ms in self._resamplers}
        self._no_decisions = self._decide(NO_MOMENTS, nothing, self._no_context)
        empty = np.empty(0)
        self._no_exits = ExitInputs(NO_MOMENTS, empty, empty, empty, empty, {
            s.info.key: Output(value=empty, score=empty) for s in self.exit_slots})

    @property
    def warmup_base_bars(self) -> int:
        """Base bars needed before every component has a value."""
        need = [s.info.warmup * s.ms for s in self.slots + self.exit_slots]
        need.append((EXIT_ATR_PERIOD + 1) * self.atr_ms)
        return max(need) // self.base_ms + self.trigger_ms // self.base_ms

    def update(self, chunk: Bars, ctx: MarketContext | None = None) -> EngineStep:
        ctx = ctx if ctx is not None else self._no_context
        closed = {ms: NewBars.of(r.update(chunk)) for ms, r in self._resamplers.items()}
        at = closed[self.trigger_ms].closes
        if at.size:  # one close (a live bot) or many (a backtest): one decision rule
            decisions = self._decide(at, closed, ctx)
        else:  # no trigger close: the components only take their new bars
            for slot in self.slots:
                slot.advance(closed[slot.ms], ctx)
            decisions = self._no_decisions
        return EngineStep(decisions, self._exit_inputs(closed, ctx))

    def _decide(self, at: np.ndarray, closed: dict[int, NewBars],
                ctx: MarketContext) -> DecisionBatch:
        n_slots, n = len(self.slots), at.size
        values = np.empty((n_slots, n))
        scores = np.empty((n_slots, n))
        along = np.empty((n_slots, n), dtype=bool)
        ashort = np.empty((n_slots, n), dtype=bool)
        for k, slot in enumerate(self.slots):
            values[k], scores[k], along[k], ashort[k] = slot.visible(closed[slot.ms], ctx, at)
        # Ready: every candle component has a value, and every such signal a score.
        ready = ~(np.isnan(values[self._value_rows]).any(axis=0)
                  | np.isnan(scores[self._score_rows]).any(axis=0))
        score = combine_scores(scores[self._signal_rows], self._weights,
                               self.template.combination, self.template.threshold)
        direction = direction_of(score, self.template.threshold)
        session = (in_sessions(at, self.template.sessions) if self.template.sessions
                   else np.ones(n, dtype=bool))
        gates = self._gate_rows
        long_ok = along[gates].all(axis=0) if gates.size else np.ones(n, dtype=bool)
        short_ok = ashort[gates].all(axis=0) if gates.size else np.ones(n, dtype=bool)
        side_ok = np.where(direction > 0, self._side_allowed[1], self._side_allowed[-1])
        allowed = (direction != 0) & ready & session & side_ok & np.where(
            direction > 0, long_ok, short_ok)
        return DecisionBatch(at, score, direction, allowed, ready, session, self._infos,
                             values, scores, along, ashort, self.template.threshold,
                             self._side_allowed, self._explain)

    def _exit_inputs(self, closed: dict[int, NewBars], ctx: MarketContext) -> ExitInputs:
        ex, at = closed[self.exit_ms]
        if not at.size:  # no exit close: the exit streams only take their new bars
            self._exit_atr.visible(closed[self.atr_ms], NO_MOMENTS)
            for slot in self.exit_slots:
                slot.advance(closed[slot.ms], ctx)
            return self._no_exits
        atr = self._exit_atr.visible(closed[self.atr_ms], at)
        extras: dict[str, Output] = {}
        for slot in self.exit_slots:
            v, s = slot.visible(closed[slot.ms], ctx, at)
            extras[slot.info.key] = Output(value=v, score=s)
        return ExitInputs(at, ex.high, ex.low, ex.close, atr, extras)

    def _explain(self, k: int, value: float, direction) -> str:
        return self.slots[k].component.explain(value, direction)


def _minutes(ms: int) -> str:
    minutes = ms // 60_000
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"
