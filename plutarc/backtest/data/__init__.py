"""Candle, funding and open-interest files for backtests and paper replay."""

from plutarc.backtest.data.gaps import Gap, describe_gaps, find_gaps
from plutarc.backtest.data.loader import LoadedCandles, fingerprint, load_candles
from plutarc.backtest.data.market_series import load_funding, load_open_interest

__all__ = [
    "Gap",
    "LoadedCandles",
    "describe_gaps",
    "find_gaps",
    "fingerprint",
    "load_candles",
    "load_funding",
    "load_open_interest",
]
