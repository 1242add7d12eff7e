"""Catalog components of this kind (importing registers them)."""

# Imported for their @register side effect; keep this list sorted.
from plutarc.strategy.components.filters import (  # noqa: F401
    adx_regime,
    atr_percent_band,
    bollinger_bandwidth_regime,
    choppiness_regime,
    efficiency_ratio_regime,
    trend_strength_filter,
    volatility_regime,
    volume_filter,
)
