"""Catalog components of this kind (importing registers them)."""

# Imported for their @register side effect; keep this list sorted.
from plutarc.strategy.components.guards import (  # noqa: F401
    bollinger_extreme_guard,
    candle_range_guard,
    counter_trend_veto,
    ema_distance_guard,
    fast_volatility_gate,
    funding_guard,
    open_interest_guard,
    rsi_exhaustion,
    spread_guard,
    stochastic_exhaustion,
    supertrend_alignment_guard,
    volume_spike_guard,
    zscore_extreme_guard,
)
