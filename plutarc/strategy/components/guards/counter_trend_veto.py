"""Counter-trend veto: no longs while the higher-timeframe trend is down, no shorts while up.

By default any adverse trend vetoes (and a flat one vetoes nothing). A trader who wants only
a *hard* counter-trend to veto picks a strength measure: the EMA's slope in ATRs per bar
(``strength = "slope_atr"``, at least ``min_slope_atr``) or the ADX level (``strength =
"adx"``, at least ``adx_level``, direction still from ``mode``). With a strength measure the
output value is signed: its sign is the trend's direction and its size the strength.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from plutarc.models import Direction
from plutarc.strategy.components.base import Component, ComponentSpec, Kind, Output, Param
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.shaping import fmt, ratio, require, warming
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ADX, ATR, EMA
from plutarc.strategy.indicators.stream import Lag
from plutarc.strategy.series import Bars


def _warmup(p: Mapping[str, Any]) -> int:
    bars = int(p["period"]) + int(p["slope_bars"])
    if p["strength"] == "slope_atr":
        return max(bars, int(p["atr"]) + 1)
    if p["strength"] == "adx":
        return max(bars, 2 * int(p["adx_period"]))
    return bars


@register
class CounterTrendVeto(Component):
    spec = ComponentSpec(
        id="counter_trend_veto",
        kind=Kind.GUARD,
        name="Counter-Trend Veto",
        description=(
            "Higher-timeframe trend (EMA slope or close vs EMA) vetoes entries against it; "
            "optionally only a hard one (ATRs or ADX)."
        ),
        params=(
            Param(
                "period",
                int,
                50,
                "Trend EMA period (bars of the higher interval).",
                min=2,
                max=2000,
            ),
            Param(
                "mode",
                str,
                "slope",
                "slope: trend is the EMA's slope; price: close vs EMA.",
                choices=("slope", "price"),
            ),
            Param(
                "slope_bars",
                int,
                3,
                "Bars over which the slope is measured (slope mode).",
                min=1,
                max=200,
            ),
            Param(
                "strength",
                str,
                "any",
                "any: every adverse trend vetoes; slope_atr: only an EMA slope of at least "
                "min_slope_atr ATRs per bar (slope mode); adx: only while ADX >= adx_level.",
                choices=("any", "slope_atr", "adx"),
            ),
            Param(
                "min_slope_atr",
                float,
                0.1,
                "Hard trend: EMA slope per bar, in ATRs (strength = slope_atr).",
                min=0.0,
                max=10.0,
            ),
            Param("atr", int, 14, "ATR period (strength = slope_atr).", min=2, max=2000),
            Param(
                "adx_level",
                float,
                25.0,
                "Hard trend: ADX at or above this (strength = adx).",
                min=0.0,
                max=100.0,
            ),
            Param("adx_period", int, 14, "ADX period (strength = adx).", min=2, max=500),
        ),
        warmup=_warmup,
        higher_timeframe=True,
    )

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._strength = str(self.params["strength"])
        require(
            not (self._strength == "slope_atr" and self.params["mode"] == "price"),
            self.spec.id,
            'strength = "slope_atr" measures the EMA slope; it needs mode = "slope" '
            '(or use strength = "adx" with mode = "price")',
        )
        self._ema = EMA(int(self.params["period"]))
        self._then = Lag(int(self.params["slope_bars"]))
        self._atr = ATR(int(self.params["atr"])) if self._strength == "slope_atr" else None
        self._adx = ADX(int(self.params["adx_period"])) if self._strength == "adx" else None

    def update(self, bars: Bars, ctx: MarketContext) -> Output:
        ema = self._ema.update(bars.close)
        then = self._then.update(ema)
        bars_back = int(self.params["slope_bars"])
        if self._atr is not None:
            atr = self._atr.update(bars.high, bars.low, bars.close)
            value = ratio(ema - then, atr) / bars_back
            return self._hard_only(value, float(self.params["min_slope_atr"]))
        if self.params["mode"] == "slope":
            trend_pct = (ratio(ema, then) - 1.0) * 100.0 / bars_back
        else:
            trend_pct = (ratio(bars.close, ema) - 1.0) * 100.0
        if self._adx is not None:
            adx, _, _ = self._adx.update(bars.high, bars.low, bars.close)
            return self._hard_only(np.sign(trend_pct) * adx, float(self.params["adx_level"]))
        # A flat trend vetoes nothing; an unknown one vetoes both (still warming up).
        return Output(value=trend_pct, allow_long=trend_pct >= 0, allow_short=trend_pct <= 0)

    @staticmethod
    def _hard_only(value: np.ndarray, threshold: float) -> Output:
        """Veto only an adverse trend at least ``threshold`` strong; NaN vetoes both."""
        hard = np.abs(value) >= threshold
        allow_long = ~np.isnan(value) & ~((value < 0) & hard)
        allow_short = ~np.isnan(value) & ~((value > 0) & hard)
        return Output(value=value, allow_long=allow_long, allow_short=allow_short)

    def explain(self, value: float, direction: Direction | None) -> str:
        if self._strength == "any":
            label = "HTF EMA slope" if self.params["mode"] == "slope" else "HTF close vs EMA"
            unit = "%/bar" if self.params["mode"] == "slope" else "%"
            if np.isnan(value):
                return warming(label)
            return f"{label}={fmt(value, 4)}{unit} (trend {self._trend(value)})"
        if self._strength == "slope_atr":
            label, shown, limit = "HTF EMA slope", f"{fmt(value, 3)} ATR/bar", "min_slope_atr"
            threshold = float(self.params["min_slope_atr"])
        else:
            label, shown, limit = "HTF ADX", fmt(abs(value), 1), "adx_level"
            threshold = float(self.params["adx_level"])
        if np.isnan(value):
            return warming(label)
        hard = "hard" if abs(value) >= threshold and value != 0 else "not hard"
        return (
            f"{label}={shown} (trend {self._trend(value)}, {hard}: "
            f"{limit} {fmt(threshold, 3 if limit == 'min_slope_atr' else 1)})"
        )

    @staticmethod
    def _trend(value: float) -> str:
        return "down" if value < 0 else "up" if value > 0 else "flat"
