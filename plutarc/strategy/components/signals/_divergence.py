"""Shared machinery of the RSI divergence signals: pair each confirmed price pivot with the
one before it and compare price and RSI at the two pivots."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, Output, Param
from plutarc.strategy.components.shaping import BarIndex, event_score, fmt, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import RSI, Swings
from plutarc.strategy.indicators.stream import Lag
from plutarc.strategy.series import Bars

DIVERGENCE_PARAMS = (
    Param("rsi", int, 14, "RSI period (bars).", min=2, max=200),
    Param(
        "left",
        int,
        3,
        "Bars on the left of a swing pivot that must be lower/higher.",
        min=1,
        max=50,
    ),
    Param(
        "right",
        int,
        3,
        "Bars on the right of a pivot before it is confirmed (the signal's delay).",
        min=1,
        max=50,
    ),
    Param(
        "max_gap",
        int,
        60,
        "Most bars between the two pivots compared; farther pivots are unrelated.",
        min=2,
        max=2000,
    ),
)


def divergence_warmup(p: Mapping[str, Any]) -> int:
    # RSI needs rsi+1 closes; its reading at a pivot is known `right` bars later.
    return int(p["rsi"]) + int(p["right"]) + 1


@dataclass
class PivotPair:
    """For each bar: the pivot confirmed on it and the previous one (NaN elsewhere)."""

    price: np.ndarray
    prev_price: np.ndarray
    osc: np.ndarray
    prev_osc: np.ndarray
    gap: np.ndarray  # bars between the two pivot centres


class PivotPairs:
    """Streams pivots (sparse, NaN between) and pairs each with the previous one."""

    __slots__ = ("_osc", "_pos", "_price")

    def __init__(self) -> None:
        self._price = np.nan
        self._osc = np.nan
        self._pos = np.nan

    def update(self, pivot: np.ndarray, osc: np.ndarray, centre: np.ndarray) -> PivotPair:
        n = pivot.size
        at = np.flatnonzero(~np.isnan(pivot))
        prices = np.concatenate(([self._price], pivot[at]))
        oscs = np.concatenate(([self._osc], osc[at]))
        pos = np.concatenate(([self._pos], centre[at].astype(np.float64)))
        if at.size:
            self._price, self._osc, self._pos = prices[-1], oscs[-1], pos[-1]
        pair = PivotPair(*(np.full(n, np.nan) for _ in range(5)))
        pair.price[at] = prices[1:]
        pair.prev_price[at] = prices[:-1]
        pair.osc[at] = oscs[1:]
        pair.prev_osc[at] = oscs[:-1]
        pair.gap[at] = pos[1:] - pos[:-1]
        return pair


class RsiDivergence(Component):
    """Base of the two divergence signals; subclasses say what counts as divergence."""

    label = "divergence"

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._rsi = RSI(int(self.params["rsi"]))
        self._swings = Swings(int(self.params["left"]), int(self.params["right"]))
        self._rsi_at_centre = Lag(int(self.params["right"]))
        self._index = BarIndex()
        self._lows = PivotPairs()
        self._highs = PivotPairs()

    @abstractmethod
    def bullish(self, lows: PivotPair) -> np.ndarray:
        """Which confirmed swing lows diverge bullishly from the previous one."""

    @abstractmethod
    def bearish(self, highs: PivotPair) -> np.ndarray:
        """Which confirmed swing highs diverge bearishly from the previous one."""

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        rsi = self._rsi.update(bars.close)
        pivot_high, pivot_low = self._swings.update(bars.high, bars.low)
        rsi_centre = self._rsi_at_centre.update(rsi)
        centre = self._index.update(len(bars)) - int(self.params["right"])
        lows = self._lows.update(pivot_low, rsi_centre, centre)
        highs = self._highs.update(pivot_high, rsi_centre, centre)
        max_gap = int(self.params["max_gap"])
        # NaN comparisons are False, so pivots from the warm-up never pair up.
        up = self.bullish(lows) & (lows.gap <= max_gap)
        down = self.bearish(highs) & (highs.gap <= max_gap)
        score = event_score(up, down, ~np.isnan(rsi_centre))
        return Output(value=rsi, score=score)

    def explain(self, value: float, direction: Direction | None) -> str:
        if np.isnan(value):
            return warming("RSI")
        return f"RSI={fmt(value, 1)} ({self.label} is judged at confirmed swing pivots)"
