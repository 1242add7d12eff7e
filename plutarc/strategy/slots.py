"""The engine's per-component state: a component, its last output, and what a moment sees.

A slot's outputs exist at its own interval's closes; a decision at a trigger close sees the
output of the slot's last close at or before it (``visible_index``). The carry keeps that
last output between chunks, so one call per bar and one call per series see the same.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from plutarc.intervals import interval_ms
from plutarc.strategy.components.base import Component, Kind, Output
from plutarc.strategy.context import MarketContext
from plutarc.strategy.decision import SlotInfo
from plutarc.strategy.indicators.stream import Lag, WilderSeeded
from plutarc.strategy.series import Bars, visible_index
from plutarc.strategy.template_validation import ResolvedComponent

EXIT_ATR_PERIOD = 14
NO_CLOSE = np.array([np.iinfo(np.int64).min], dtype=np.int64)  # before any close
NO_MOMENTS = NO_CLOSE[:0]


def _constant(value: float | bool, dtype: type) -> np.ndarray:
    a = np.full(1, value, dtype=dtype)
    a.flags.writeable = False  # shared by every one-bar update: nobody may write into it
    return a


_NO_SCORE, _ALLOWED = _constant(np.nan, np.float64), _constant(True, bool)


class NewBars(NamedTuple):
    """Bars of one interval that closed in this update, with their close times (worked out
    once per update: several slots share an interval)."""

    bars: Bars
    closes: np.ndarray

    @classmethod
    def of(cls, bars: Bars) -> NewBars:
        return cls(bars, bars.close_ts_ms if len(bars) else NO_MOMENTS)


class Carried:
    """A stream's outputs at its own closes reduced to what a later moment sees: the output of
    the last close at or before it. Keeps the last output for the closes of later chunks."""

    __slots__ = ("close", "last")

    def __init__(self, initial: tuple[np.ndarray, ...]) -> None:
        self.close = NO_CLOSE
        self.last = initial

    def visible(self, closes: np.ndarray, new: tuple[np.ndarray, ...],
                at: np.ndarray) -> tuple[np.ndarray, ...]:
        """``new`` holds the outputs at ``closes`` (maybe none); returns those seen at ``at``.

        The rule is ``visible_index`` over [carry, new...]; the branches below are that rule
        for the live path's shapes (nothing new, or one new close and one moment)."""
        old_close, old = self.close, self.last
        if closes.size:
            # Copies: the carry must not change if a stream reuses its output buffers.
            self.close = closes if closes.size == 1 else closes[-1:].copy()
            self.last = tuple(a[-1:].copy() for a in new)
        if not at.size:
            return tuple(a[:0] for a in old)
        if not closes.size:  # every index is the carry's (the only element)
            return old if at.size == 1 else tuple(np.repeat(a, at.size) for a in old)
        if closes.size == 1 and at.size == 1:
            moment = at[0]
            if closes[0] <= moment or not old_close[0] <= moment:  # index 1, or -1 (= last)
                return new
            return old
        idx = visible_index(np.concatenate((old_close, closes)), at)
        return tuple(np.concatenate((c, x))[idx] for c, x in zip(old, new, strict=True))


class Slot:
    """One component's running state and its last output (what later closes still see).

    Signals, filters and guards carry (value, score, allow_long, allow_short); exit rules
    carry (value, score)."""

    def __init__(self, resolved: ResolvedComponent) -> None:
        self.resolved = resolved
        self.component: Component = resolved.instantiate()
        self.ms = interval_ms(resolved.interval)
        spec = resolved.cls.spec
        self.info = SlotInfo(resolved.key, spec.kind, resolved.interval,
                             int(spec.warmup(resolved.params)), spec.optional_data)
        self._exit = spec.kind is Kind.EXIT
        nan = np.array([np.nan])
        self._carry = Carried((nan, nan) if self._exit else
                              (nan, nan, np.array([False]), np.array([False])))

    def _outputs(self, bars: Bars, ctx: MarketContext) -> tuple[np.ndarray, ...]:
        out: Output = self.component.update(bars, ctx)
        n = len(bars)
        value = np.asarray(out.value, dtype=np.float64)
        score = ((_NO_SCORE if n == 1 else np.full(n, np.nan)) if out.score is None
                 else np.asarray(out.score, dtype=np.float64))
        if self._exit:
            return value, score
        allowed = _ALLOWED if n == 1 else np.ones(n, dtype=bool)
        return (value, score,
                allowed if out.allow_long is None else np.asarray(out.allow_long, dtype=bool),
                allowed if out.allow_short is None else np.asarray(out.allow_short, dtype=bool))

    def advance(self, new: NewBars, ctx: MarketContext) -> None:
        """Take newly closed bars when no decision looks at them now. A chunk without a new
        bar of this interval leaves the component alone: every component gives the same
        numbers however its bars are chunked, so skipping empty chunks changes nothing."""
        if new.closes.size:
            self._carry.visible(new.closes, self._outputs(new.bars, ctx), NO_MOMENTS)

    def visible(self, new: NewBars, ctx: MarketContext,
                at: np.ndarray) -> tuple[np.ndarray, ...]:
        """Take newly closed bars; return the outputs seen at ``at`` (arrays of its size)."""
        if not new.closes.size:
            return self._carry.visible(NO_MOMENTS, (), at)
        return self._carry.visible(new.closes, self._outputs(new.bars, ctx), at)


class ExitAtr:
    """ATR(14) at the template's exit-ATR interval, shared by the ATR-based exit rules."""

    def __init__(self) -> None:
        self._prev_close = Lag(1)
        self._rma = WilderSeeded(EXIT_ATR_PERIOD)
        self._carry = Carried((np.array([np.nan]),))

    def _update(self, bars: Bars) -> np.ndarray:
        prev = self._prev_close.update(bars.close)
        prev = np.where(np.isnan(prev), bars.close, prev)
        tr = np.maximum(bars.high, prev) - np.minimum(bars.low, prev)
        return self._rma.update(tr)

    def visible(self, new: NewBars, at: np.ndarray) -> np.ndarray:
        """Take newly closed bars at the ATR interval; return the ATR seen at ``at``."""
        if not new.closes.size:
            return self._carry.visible(NO_MOMENTS, (), at)[0]
        return self._carry.visible(new.closes, (self._update(new.bars),), at)[0]
