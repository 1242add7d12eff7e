"""What the engine returns: a batch of decisions (arrays) and a single readable Decision."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Kind
from plutarc.strategy.sessions import describe


class Action(StrEnum):
    NONE = "none"
    ENTER_LONG = "enter_long"
    ENTER_SHORT = "enter_short"
    REVERSE_TO_LONG = "reverse_to_long"
    REVERSE_TO_SHORT = "reverse_to_short"
    EXIT = "exit"


@dataclass(frozen=True)
class Decision:
    """One evaluation at a trigger close: what to do and, when nothing, why not."""

    ts_ms: int  # the trigger candle's close time
    action: Action
    score: float
    components: dict[str, dict[str, Any]]  # key -> {kind, interval, value, score|pass}
    skip_reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ts_ms": self.ts_ms,
            "action": self.action.value,
            "score": None if np.isnan(self.score) else round(self.score, 6),
            "components": self.components,
            "skip_reasons": list(self.skip_reasons),
        }


@dataclass(frozen=True)
class SlotInfo:
    key: str
    kind: Kind
    interval: str
    warmup: int
    optional_data: bool


@dataclass
class DecisionBatch:
    """Engine verdicts for a run of trigger closes, before the bot's own state (position,
    cooldown) is applied. ``direction`` is +1/-1 where the combined score reaches the
    threshold, else 0; ``allowed`` is False where a rule blocks that entry."""

    ts_ms: np.ndarray
    score: np.ndarray
    direction: np.ndarray  # int8
    allowed: np.ndarray  # bool
    ready: np.ndarray  # bool: every candle component past its warm-up
    in_session: np.ndarray
    slots: list[SlotInfo]
    values: np.ndarray  # (n_slots, n)
    scores: np.ndarray  # (n_slots, n), NaN for non-signals
    allow_long: np.ndarray  # (n_slots, n)
    allow_short: np.ndarray  # (n_slots, n)
    threshold: float
    side_allowed: dict[int, bool] = field(default_factory=dict)
    explain: Any = None  # callable(slot_index, value, direction|None) -> str

    def __len__(self) -> int:
        return int(self.ts_ms.shape[0])

    def blocked_by(self, i: int) -> list[str]:
        """The rules that block the entry at row ``i`` (empty when it is allowed)."""
        d = int(self.direction[i])
        if d == 0:
            if not self.ready[i]:
                return self._warming_up(i)
            s = self.score[i]
            if np.isnan(s):
                return ["signal: no signal has an opinion"]
            return [f"threshold: |score|={abs(s):.3f} < {self.threshold:.3f}"]
        reasons: list[str] = []
        direction = Direction.LONG if d > 0 else Direction.SHORT
        if not self.side_allowed.get(d, True):
            reasons.append(f"direction: the template does not trade {direction.value}")
        if not self.ready[i]:
            reasons += self._warming_up(i)
        if not self.in_session[i]:
            reasons.append(f"session: {describe(int(self.ts_ms[i]))} is outside the "
                           "trading sessions")
        allow = self.allow_long if d > 0 else self.allow_short
        for k, slot in enumerate(self.slots):
            if slot.kind in (Kind.FILTER, Kind.GUARD) and not allow[k, i]:
                text = self.explain(k, float(self.values[k, i]),
                                    None if slot.kind is Kind.FILTER else direction)
                reasons.append(f"{slot.kind.value} {slot.key}: {text}")
        return reasons

    def _warming_up(self, i: int) -> list[str]:
        return [f"warming up: {slot.key} needs {slot.warmup} bars at {slot.interval}"
                for k, slot in enumerate(self.slots)
                if not slot.optional_data and (np.isnan(self.values[k, i]) or (
                    slot.kind is Kind.SIGNAL and np.isnan(self.scores[k, i])))]

    def components_at(self, i: int) -> dict[str, dict[str, Any]]:
        # One column read per array (a live bot asks at every trigger close).
        values = self.values[:, i].tolist()
        scores = self.scores[:, i].tolist()
        longs = self.allow_long[:, i].tolist()
        shorts = self.allow_short[:, i].tolist()
        out: dict[str, dict[str, Any]] = {}
        for k, slot in enumerate(self.slots):
            value = values[k]
            entry: dict[str, Any] = {
                "kind": slot.kind.value,
                "interval": slot.interval,
                "value": None if math.isnan(value) else round(value, 6),
            }
            if slot.kind is Kind.SIGNAL:
                s = scores[k]
                entry["score"] = None if math.isnan(s) else round(s, 6)
            else:
                entry["long_ok"] = longs[k]
                entry["short_ok"] = shorts[k]
            if slot.optional_data and math.isnan(value):
                entry["note"] = "no data: no opinion"
            out[slot.key] = entry
        return out

    def snapshot(self, i: int) -> dict[str, float]:
        """Compact numbers for a Trade's entry snapshot."""
        snap: dict[str, float] = {"score": float(self.score[i])}
        for k, slot in enumerate(self.slots):
            snap[slot.key] = float(self.scores[k, i] if slot.kind is Kind.SIGNAL
                                   else self.values[k, i])
        return snap

    def skip_counts(self) -> dict[str, int]:
        """How many would-be entries each rule blocked, plus below-threshold closes."""
        counts: dict[str, int] = {}
        candidates = self.direction != 0
        counts["threshold"] = int((~candidates).sum())
        for d in (1, -1):
            rows = self.direction == d
            if not rows.any():
                continue
            if not self.side_allowed.get(d, True):
                counts["direction"] = counts.get("direction", 0) + int(rows.sum())
            counts["warming_up"] = counts.get("warming_up", 0) + int((rows & ~self.ready).sum())
            counts["session"] = counts.get("session", 0) + int((rows & ~self.in_session).sum())
            allow = self.allow_long if d > 0 else self.allow_short
            for k, slot in enumerate(self.slots):
                if slot.kind in (Kind.FILTER, Kind.GUARD):
                    name = f"{slot.kind.value} {slot.key}"
                    counts[name] = counts.get(name, 0) + int((rows & ~allow[k]).sum())
        return {k: v for k, v in counts.items() if v}
