"""Market regime at each trade's entry: trend vs range (ADX, Choppiness) and volatility tercile.

This is the diagnostic that tells "no edge" from "a real edge in the wrong regime".
"""

from __future__ import annotations

import numpy as np

from plutarc.intervals import interval_ms
from plutarc.models import Trade
from plutarc.strategy.indicators import ADX, Choppiness, RealizedVol
from plutarc.strategy.series import Bars, resample, visible_index

ADX_TREND = 25.0
ADX_RANGE = 20.0
CHOP_RANGE = 61.8


def classify_entries(bars: Bars, trades: list[Trade], interval: str) -> list[tuple[str, str]]:
    """(trend label, volatility label) per trade, from the candles closed before its entry."""
    if not trades:
        return []
    higher = resample(bars, interval_ms(interval))
    if len(higher) == 0:
        return [("unknown_trend", "unknown_vol")] * len(trades)
    adx, _, _ = ADX(14).update(higher.high, higher.low, higher.close)
    chop = Choppiness(14).update(higher.high, higher.low, higher.close)
    vol = RealizedVol(30).update(higher.close)
    finite = vol[np.isfinite(vol)]
    cuts = np.quantile(finite, [1 / 3, 2 / 3]) if finite.size >= 3 else None
    entry_ts = np.array([t.entry_ts_ms for t in trades], dtype=np.int64)
    idx = visible_index(higher.close_ts_ms, entry_ts)
    # Whole-array form of: unknown before the first closed candle or while ADX warms up;
    # trend if ADX >= 25 and not choppy, range if ADX < 20 or choppy, else transition (a NaN
    # Choppiness is "not choppy", as `not chop > CHOP_RANGE` says); volatility by tercile.
    at = np.maximum(idx, 0)
    a, c, v = adx[at], chop[at], vol[at]
    known = (idx >= 0) & np.isfinite(a)
    choppy = c > CHOP_RANGE
    trend = np.where((a >= ADX_TREND) & ~choppy, 0, np.where((a < ADX_RANGE) | choppy, 1, 2))
    trend = np.where(known, trend, 3)
    tercile = (np.searchsorted(cuts, np.where(np.isfinite(v), v, 0.0)) if cuts is not None
               else np.zeros(len(idx), dtype=np.intp))
    volatility = np.where(known & (cuts is not None) & np.isfinite(v), tercile, 3)
    trends = ("trend", "range", "transition", "unknown_trend")
    vols = ("low_vol", "mid_vol", "high_vol", "unknown_vol")
    return [(trends[i], vols[j]) for i, j in zip(trend.tolist(), volatility.tolist(),
                                                  strict=True)]
