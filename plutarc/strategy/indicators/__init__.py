"""Streaming, causal technical indicators (batch == bar by bar, bit for bit).

Each class keeps its own state; ``update`` takes a chunk of bars and returns the values
for those bars. Built on the primitives in ``stream`` and ``windows``.
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
