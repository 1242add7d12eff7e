"""The strategy engine: pure, stateful only in its causal indicator state.

``update(chunk)`` takes new closed base bars and returns the decisions for every trigger
close inside the chunk, plus the inputs exit rules need for every exit-interval close. The
backtester calls it once with the whole series; a live bot calls it once per closed bar:
the same code, the same numbers. No I/O, no clock reads, no randomness.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from plutarc.intervals import interval_ms
from plutarc.strategy.combine import combine_scores, direction_of
from plutarc.strategy.components.base import Component, Kind, Output
from plutarc.strategy.context import MarketContext
from plutarc.strategy.decision import DecisionBatch, SlotInfo
from plutarc.strategy.indicators.stream import Lag, WilderSeeded
from plutarc.strategy.resampler import StreamingResampler
from plutarc.strategy.series import Bars, visible_index
from plutarc.strategy.sessions import in_sessions
from plutarc.strategy.template import Template
from plutarc.strategy.template_validation import ResolvedComponent, validate_template

EXIT_ATR_PERIOD = 14


_NO_CLOSE = np.array([np.iinfo(np.int64).min], dtype=np.int64)


class _Carried:
    """A stream's outputs at its own closes reduced to what a later moment sees: the output of
    the last close at or before it. Keeps the last output for the closes of later chunks."""

    def __init__(self, initial: tuple[np.ndarray, ...]) -> None:
        self.close = _NO_CLOSE
        self.last = initial

    def visible(self, closes: np.ndarray, new: tuple[np.ndarray, ...],
                at: np.ndarray) -> tuple[np.ndarray, ...]:
        """``new`` holds the outputs at ``closes`` (maybe none); returns those seen at ``at``.

        The rule is ``visible_index`` over [carry, new...]; the branches below are that rule
        for the live path's shapes (nothing new, or one new close and one moment)."""
        old_close, old = self.close, self.last
        if closes.size:
            self.close = closes[-1:]
            self.last = tuple(a[-1:] for a in new)
        if not at.size:
            return tuple(a[:0] for a in old)
        if not closes.size:  # every index is the carry's (the only element)
            return tuple(np.repeat(a, at.size) for a in old)
        if closes.size == 1 and at.size == 1:
            moment = at[0]
            if closes[0] <= moment or not old_close[0] <= moment:  # index 1, or -1 (= last)
                return new
            return old
        idx = visible_index(np.concatenate((old_close, closes)), at)
        return tuple(np.concatenate((c, x))[idx] for c, x in zip(old, new, strict=True))


class _Slot:
    """One component's running state and its last output (what later closes still see)."""

    def __init__(self, resolved: ResolvedComponent) -> None:
        self.resolved = resolved
        self.component: Component = resolved.instantiate()
        self.ms = interval_ms(resolved.interval)
        spec = resolved.cls.spec
        self.info = SlotInfo(resolved.key, spec.kind, resolved.interval,
                             int(spec.warmup(resolved.params)), spec.optional_data)
        nan = np.array([np.nan])
        self._carry = _Carried((nan, nan, np.array([False]), np.array([False])))

    def _outputs(self, bars: Bars, ctx: MarketContext) -> tuple[np.ndarray, ...]:
        out: Output = self.component.update(bars, ctx)
        n = len(bars)
        return (np.asarray(out.value, dtype=np.float64),
                np.full(n, np.nan) if out.score is None else
                np.asarray(out.score, dtype=np.float64),
                np.ones(n, dtype=bool) if out.allow_long is None else
                np.asarray(out.allow_long, dtype=bool),
                np.ones(n, dtype=bool) if out.allow_short is None else
                np.asarray(out.allow_short, dtype=bool))

    def advance(self, bars: Bars, ctx: MarketContext) -> None:
        """Take newly closed bars when no decision looks at them now. A chunk without a new
        bar of this interval leaves the component alone: every component gives the same
        numbers however its bars are chunked, so skipping empty chunks changes nothing."""
        if len(bars):
            self._carry.visible(bars.close_ts_ms, self._outputs(bars, ctx), _NO_CLOSE[:0])

    def visible(self, bars: Bars, ctx: MarketContext,
                at: np.ndarray) -> tuple[np.ndarray, ...]:
        """Take newly closed bars; return (value, score, allow_long, allow_short) at ``at``."""
        if not len(bars):
            return self._carry.visible(_NO_CLOSE[:0], (), at)
        return self._carry.visible(bars.close_ts_ms, self._outputs(bars, ctx), at)


class _ExitAtr:
    """ATR(14) at the template's exit-ATR interval, shared by the ATR-based exit rules."""

    def __init__(self) -> None:
        self._prev_close = Lag(1)
        self._rma = WilderSeeded(EXIT_ATR_PERIOD)
        self._carry = _Carried((np.array([np.nan]),))

    def _update(self, bars: Bars) -> np.ndarray:
        prev = self._prev_close.update(bars.close)
        prev = np.where(np.isnan(prev), bars.close, prev)
        tr = np.maximum(bars.high, prev) - np.minimum(bars.low, prev)
        return self._rma.update(tr)

    def visible(self, bars: Bars, at: np.ndarray) -> np.ndarray:
        """Take newly closed bars at the ATR interval; return the ATR seen at ``at``."""
        if not len(bars):
            return self._carry.visible(_NO_CLOSE[:0], (), at)[0]
        return self._carry.visible(bars.close_ts_ms, (self._update(bars),), at)[0]


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
        self.slots = [_Slot(r) for r in enabled
                      if r.kind is not Kind.EXIT and not r.cls.spec.stateful]
        self.exit_slots = [_Slot(r) for r in enabled if r.kind is Kind.EXIT]
        self.stateful = [r for r in enabled if r.cls.spec.stateful]
        needed = {self.trigger_ms, self.exit_ms, self.atr_ms} | {s.ms for s in self.slots}
        needed |= {s.ms for s in self.exit_slots}
        for ms in needed:
            if ms % base_interval_ms:
                raise ValueError(f"interval {ms // 60_000}m cannot be built from "
                                 f"{base_interval_ms // 60_000}m data")
        self._resamplers = {ms: StreamingResampler(base_interval_ms, ms) for ms in sorted(needed)}
        self._weights = np.array([r.use.weight for r in enabled
                                  if r.kind is Kind.SIGNAL and not r.cls.spec.stateful])
        self._signal_rows = _rows(k for k, s in enumerate(self.slots)
                                  if s.info.kind is Kind.SIGNAL)
        self._exit_atr = _ExitAtr()
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
        nothing = {ms: Bars.empty(ms) for ms in self._resamplers}
        self._no_decisions = self._decide(_NO_CLOSE[:0], nothing, self._no_context)
        empty = np.empty(0)
        self._no_exits = ExitInputs(_NO_CLOSE[:0], empty, empty, empty, empty, {
            s.info.key: Output(value=empty, score=empty) for s in self.exit_slots})

    @property
    def warmup_base_bars(self) -> int:
        """Base bars needed before every component has a value."""
        need = [s.info.warmup * s.ms for s in self.slots + self.exit_slots]
        need.append((EXIT_ATR_PERIOD + 1) * self.atr_ms)
        return max(need) // self.base_ms + self.trigger_ms // self.base_ms

    def update(self, chunk: Bars, ctx: MarketContext | None = None) -> EngineStep:
        ctx = ctx if ctx is not None else self._no_context
        closed = {ms: r.update(chunk) for ms, r in self._resamplers.items()}
        trig = closed[self.trigger_ms]
        if len(trig):
            decisions = self._decide(trig.close_ts_ms, closed, ctx)
        else:  # no trigger close: the components only take their new bars
            for slot in self.slots:
                slot.advance(closed[slot.ms], ctx)
            decisions = self._no_decisions
        return EngineStep(decisions, self._exit_inputs(closed, ctx))

    def _decide(self, at: np.ndarray, closed: dict[int, Bars],
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

    def _exit_inputs(self, closed: dict[int, Bars], ctx: MarketContext) -> ExitInputs:
        ex = closed[self.exit_ms]
        if not len(ex):  # no exit close: the exit streams only take their new bars
            self._exit_atr.visible(closed[self.atr_ms], _NO_CLOSE[:0])
            for slot in self.exit_slots:
                slot.advance(closed[slot.ms], ctx)
            return self._no_exits
        at = ex.close_ts_ms
        atr = self._exit_atr.visible(closed[self.atr_ms], at)
        extras: dict[str, Output] = {}
        for slot in self.exit_slots:
            v, s, _, _ = slot.visible(closed[slot.ms], ctx, at)
            extras[slot.info.key] = Output(value=v, score=s)
        return ExitInputs(at, ex.high, ex.low, ex.close, atr, extras)

    def _explain(self, k: int, value: float, direction) -> str:
        return self.slots[k].component.explain(value, direction)
