"""Hidden RSI divergence: price holds its swing while RSI overshoots (trend continuation)."""

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
class RsiDivergenceHidden(RsiDivergence):
    spec = ComponentSpec(
        id="rsi_divergence_hidden",
        kind=Kind.SIGNAL,
        name="RSI Hidden Divergence",
        description=(
            "+1 when price makes a higher swing low on a lower RSI low, "
            "-1 when it makes a lower swing high on a higher RSI high."
        ),
        params=DIVERGENCE_PARAMS,
        warmup=divergence_warmup,
    )
    label = "hidden divergence"

    def bullish(self, lows: PivotPair) -> np.ndarray:
        return (lows.price > lows.prev_price) & (lows.osc < lows.prev_osc)

    def bearish(self, highs: PivotPair) -> np.ndarray:
        return (highs.price < highs.prev_price) & (highs.osc > highs.prev_osc)
