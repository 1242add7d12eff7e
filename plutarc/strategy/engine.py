"""The strategy engine: pure, stateful only in its causal indicator state.

``update(chunk)`` takes new closed base bars and returns the decisions for every trigger
close inside the chunk, plus the inputs exit rules need for every exit-interval close. The
backtester calls it once with the whole series; a live bot calls it once per closed bar:
the same code, the same numbers. No I/O, no clock reads, no randomness.
"""

from __future__ import annotations

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
        self.last_close = np.array([np.iinfo(np.int64).min], dtype=np.int64)
        self.last = (nan, nan, np.array([False]), np.array([False]))

    def push(self, bars: Bars, ctx: MarketContext) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Update with newly closed bars; return close times and outputs incl. the carry."""
        out: Output = self.component.update(bars, ctx)
        n = len(bars)
        value = out.value
        score = out.score if out.score is not None else np.full(n, np.nan)
        along = out.allow_long if out.allow_long is not None else np.ones(n, dtype=bool)
        ashort = out.allow_short if out.allow_short is not None else np.ones(n, dtype=bool)
        closes = np.concatenate((self.last_close, bars.close_ts_ms))
        arrays = tuple(np.concatenate((c, x)) for c, x in zip(
            self.last, (value, score, along, ashort), strict=True))
        if n:
            self.last_close = closes[-1:]
            self.last = tuple(a[-1:] for a in arrays)
        return closes, arrays


class _ExitAtr:
    """ATR(14) at the template's exit-ATR interval, shared by the ATR-based exit rules."""

    def __init__(self) -> None:
        self._prev_close = Lag(1)
        self._rma = WilderSeeded(EXIT_ATR_PERIOD)

    def update(self, bars: Bars) -> np.ndarray:
        prev = self._prev_close.update(bars.close)
        prev = np.where(np.isnan(prev), bars.close, prev)
        tr = np.maximum(bars.high, prev) - np.minimum(bars.low, prev)
        return self._rma.update(tr)


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
        self._signal_rows = [k for k, s in enumerate(self.slots) if s.info.kind is Kind.SIGNAL]
        self._exit_atr = _ExitAtr()
        self._atr_close = np.array([np.iinfo(np.int64).min], dtype=np.int64)
        self._atr_last = np.array([np.nan])
        side = template.direction
        self._side_allowed = {1: side in ("long", "both"), -1: side in ("short", "both")}

    @property
    def warmup_base_bars(self) -> int:
        """Base bars needed before every component has a value."""
        need = [s.info.warmup * s.ms for s in self.slots + self.exit_slots]
        need.append((EXIT_ATR_PERIOD + 1) * self.atr_ms)
        return max(need) // self.base_ms + self.trigger_ms // self.base_ms

    def update(self, chunk: Bars, ctx: MarketContext | None = None) -> EngineStep:
        ctx = ctx or MarketContext()
        closed = {ms: r.update(chunk) for ms, r in self._resamplers.items()}
        trig = closed[self.trigger_ms]
        at = trig.close_ts_ms
        n_slots, n = len(self.slots), len(trig)
        values = np.empty((n_slots, n))
        scores = np.full((n_slots, n), np.nan)
        along = np.ones((n_slots, n), dtype=bool)
        ashort = np.ones((n_slots, n), dtype=bool)
        for k, slot in enumerate(self.slots):
            closes, (v, s, al, ash) = slot.push(closed[slot.ms], ctx)
            idx = visible_index(closes, at)
            values[k], scores[k], along[k], ashort[k] = v[idx], s[idx], al[idx], ash[idx]
        ready = np.ones(n, dtype=bool)
        for k, slot in enumerate(self.slots):
            if not slot.info.optional_data:
                ready &= ~np.isnan(values[k])
                if slot.info.kind is Kind.SIGNAL:
                    ready &= ~np.isnan(scores[k])
        sig = scores[self._signal_rows]
        score = combine_scores(sig, self._weights, self.template.combination,
                               self.template.threshold)
        direction = direction_of(score, self.template.threshold)
        session = in_sessions(at, self.template.sessions)
        gate_rows = [k for k, s in enumerate(self.slots)
                     if s.info.kind in (Kind.FILTER, Kind.GUARD)]
        long_ok = along[gate_rows].all(axis=0) if gate_rows else np.ones(n, dtype=bool)
        short_ok = ashort[gate_rows].all(axis=0) if gate_rows else np.ones(n, dtype=bool)
        side_ok = np.where(direction > 0, self._side_allowed[1], self._side_allowed[-1])
        allowed = (direction != 0) & ready & session & side_ok & np.where(
            direction > 0, long_ok, short_ok)
        batch = DecisionBatch(at, score, direction, allowed, ready, session,
                              [s.info for s in self.slots], values, scores, along, ashort,
                              self.template.threshold, self._side_allowed, self._explain)
        return EngineStep(batch, self._exit_inputs(closed, ctx))

    def _exit_inputs(self, closed: dict[int, Bars], ctx: MarketContext) -> ExitInputs:
        ex = closed[self.exit_ms]
        at = ex.close_ts_ms
        atr_bars = closed[self.atr_ms]
        atr_new = self._exit_atr.update(atr_bars)
        atr_closes = np.concatenate((self._atr_close, atr_bars.close_ts_ms))
        atr_all = np.concatenate((self._atr_last, atr_new))
        if len(atr_bars):
            self._atr_close, self._atr_last = atr_closes[-1:], atr_all[-1:]
        atr = atr_all[visible_index(atr_closes, at)]
        extras: dict[str, Output] = {}
        for slot in self.exit_slots:
            closes, (v, s, _, _) = slot.push(closed[slot.ms], ctx)
            idx = visible_index(closes, at)
            extras[slot.info.key] = Output(value=v[idx], score=s[idx])
        return ExitInputs(at, ex.high, ex.low, ex.close, atr, extras)

    def _explain(self, k: int, value: float, direction) -> str:
        return self.slots[k].component.explain(value, direction)
