"""What a component is: its spec (metadata and parameters) and its streaming computation.

A component instance is stateful and causal: ``update(bars, ctx)`` receives the NEW closed
bars at the component's own interval and returns outputs for exactly those bars. The
backtester calls it once with the whole series; a live bot calls it once per closed bar.
Because indicators are built from ``strategy.indicators.stream`` primitives, both give the
same numbers (tests demand it). Never look at a bar after the one being computed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

import numpy as np

from plutarc.intervals import STRATEGY_INTERVALS
from plutarc.models import Direction
from plutarc.strategy.context import MarketContext
from plutarc.strategy.series import Bars


class Kind(StrEnum):
    SIGNAL = "signal"  # a score in [-1, 1]; the sign is the direction
    FILTER = "filter"  # pass/fail for the kind of market we are in (both directions alike)
    GUARD = "guard"  # may veto one entry, per direction
    EXIT = "exit"  # closes a position or moves its stop


@dataclass(frozen=True)
class Param:
    """One parameter. ``type`` is int, float, bool or str (then ``choices`` is required)."""

    name: str
    type: type
    default: Any
    description: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None

    def describe_bounds(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.type is bool:
            return "true or false"
        return f"[{self.min}, {self.max}]"


@dataclass(frozen=True)
class ComponentSpec:
    id: str
    kind: Kind
    name: str
    description: str  # one line
    params: tuple[Param, ...] = ()
    warmup: Callable[[Mapping[str, Any]], int] = lambda p: 1  # bars at its own interval
    intervals: tuple[str, ...] = STRATEGY_INTERVALS
    data: tuple[str, ...] = ("candles",)  # plus "funding", "open_interest", "spread"
    higher_timeframe: bool = False  # must run at an interval >= the template's trigger
    stateful: bool = False  # needs the bot's state (e.g. last entry time); engine-evaluated

    @property
    def optional_data(self) -> bool:
        """True when it reads data a venue may lack: then NaN means 'no opinion'."""
        return any(d != "candles" for d in self.data)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


@dataclass
class Output:
    """Outputs for a chunk of bars (all arrays have the chunk's length).

    ``value`` is the measured quantity quoted in skip reasons (NaN = not computable yet; for
    a component with optional data, NaN = no data = no opinion). Signals fill ``score``
    (NaN = no opinion); filters and guards fill ``allow_long``/``allow_short``.
    """

    value: np.ndarray
    score: np.ndarray | None = None
    allow_long: np.ndarray | None = None
    allow_short: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)


class Component(ABC):
    """Base of every catalog component. ``params`` arrive validated with defaults applied."""

    spec: ClassVar[ComponentSpec]

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = dict(params)

    @abstractmethod
    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        """Outputs for the new closed bars in ``bars`` (causal, stateful)."""

    @abstractmethod
    def explain(self, value: float, direction: Direction | None) -> str:
        """The rule and its value in a few words, e.g. ``CI=63.1 > 61.8``; used in skip
        reasons (``direction`` is the blocked entry's, None for filters)."""


def gate(value: np.ndarray, allow: np.ndarray) -> Output:
    """A filter's output: the same verdict for both directions."""
    allow = np.asarray(allow, dtype=bool)
    return Output(value=value, allow_long=allow, allow_short=allow)
