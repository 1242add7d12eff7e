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
    out = []
    for i in idx:
        if i < 0 or not np.isfinite(adx[i]):
            out.append(("unknown_trend", "unknown_vol"))
            continue
        if adx[i] >= ADX_TREND and not chop[i] > CHOP_RANGE:
            trend = "trend"
        elif adx[i] < ADX_RANGE or chop[i] > CHOP_RANGE:
            trend = "range"
        else:
            trend = "transition"
        if cuts is None or not np.isfinite(vol[i]):
            volatility = "unknown_vol"
        else:
            volatility = ("low_vol", "mid_vol", "high_vol")[int(np.searchsorted(cuts, vol[i]))]
        out.append((trend, volatility))
    return out
