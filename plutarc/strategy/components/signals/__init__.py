"""Catalog components of this kind (importing registers them)."""

# Imported for their @register side effect; keep this list sorted.
from plutarc.strategy.components.signals import (  # noqa: F401
    adx_di_direction,
    bollinger_breakout,
    bollinger_reversion,
    cci_reversion,
    donchian_breakout,
    ema_cross,
    ema_slope,
    funding_rate_signal,
    keltner_breakout,
    macd_cross,
    macd_histogram,
    micro_momentum,
    obv_trend,
    open_interest_momentum,
    price_vs_ema,
    roc_momentum,
    rsi_divergence_hidden,
    rsi_divergence_regular,
    rsi_level,
    rsi_midline_cross,
    stochastic_cross,
    supertrend_direction,
    vwap_deviation,
    zscore_reversion,
)
