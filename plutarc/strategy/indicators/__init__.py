"""Streaming, causal technical indicators: one batch call == bar by bar, bit for bit.

Every class keeps its own state; ``update`` takes a chunk of bars (1-D arrays, a scalar
counts as one bar) and returns new arrays with the values for exactly those bars. One call
over a whole series, one call per bar and any chunking give the same bits, and a value at
bar t depends on bars <= t only, so a backtest and a live bot agree. Outputs are NaN during
warm-up. Inputs are expected finite after any leading warm-up NaNs (recursive averages start
at the first defined value): a NaN bar blanks the windows that hold it, and stays in a
recursive average (EMA, Wilder) for good. Built on the primitives in ``stream`` and
``windows``.
"""

from plutarc.strategy.indicators.momentum import CCI, MACD, ROC, RSI, Stochastic
from plutarc.strategy.indicators.moving_averages import EMA, SMA, WMA
from plutarc.strategy.indicators.structure import Swings
from plutarc.strategy.indicators.trend import ADX, Choppiness, Slope, Supertrend
from plutarc.strategy.indicators.volatility import (
    ATR,
    Bollinger,
    Donchian,
    Keltner,
    RealizedVol,
    TrueRange,
    ZScore,
)
from plutarc.strategy.indicators.volume import OBV, VWAP

__all__ = [
    "ADX",
    "ATR",
    "Bollinger",
    "CCI",
    "Choppiness",
    "Donchian",
    "EMA",
    "Keltner",
    "MACD",
    "OBV",
    "ROC",
    "RSI",
    "RealizedVol",
    "SMA",
    "Slope",
    "Stochastic",
    "Supertrend",
    "Swings",
    "TrueRange",
    "VWAP",
    "WMA",
    "ZScore",
]
