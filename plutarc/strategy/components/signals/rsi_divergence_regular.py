"""Regular RSI divergence: price extends a swing while RSI does not (a reversal warning)."""

from __future__ import annotations

import numpy as np

from plutarc.strategy.components.base import ComponentSpec, Kind
from plutarc.strategy.components.registry import register
from plutarc.strategy.components.signals._divergence import (
    DIVERGENCE_PARAMS,
    PivotPair,
    RsiDivergence,
    divergence_warmup,
)


@register
class RsiDivergenceRegular(RsiDivergence):
    spec = ComponentSpec(
        id="rsi_divergence_regular",
        kind=Kind.SIGNAL,
        name="RSI Regular Divergence",
        description=(
            "+1 when price makes a lower swing low on a higher RSI low, "
            "-1 when it makes a higher swing high on a lower RSI high."
        ),
        params=DIVERGENCE_PARAMS,
        warmup=divergence_warmup,
    )
    label = "regular divergence"

    def bullish(self, lows: PivotPair) -> np.ndarray:
        return (lows.price < lows.prev_price) & (lows.osc > lows.prev_osc)

    def bearish(self, highs: PivotPair) -> np.ndarray:
        return (highs.price > highs.prev_price) & (highs.osc < highs.prev_osc)
