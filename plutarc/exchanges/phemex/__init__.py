"""Phemex contracts (scaled integers) through ccxt (``phemex``): its profile.

Facts: no 3m/2h candles (grouped); no server-time endpoint, 60 s signing window (the
local clock); ccxt unscales its integer prices and sizes; an order is found by clOrdID
(GET /exchange/order); contract accounts and positions are per settle coin.
"""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.profile import CcxtProfile, ClockSource
from plutarc.models import OrderType

ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET,
                         OrderType.STOP_LIMIT})

PROFILE = CcxtProfile(
    name="phemex",
    ccxt_id="phemex",
    capabilities=Capabilities(
        native_intervals=("1m", "5m", "15m", "30m", "1h", "4h", "1d"),
        order_types=ORDER_TYPES,
        inverse_contracts=True,
    ),
    candle_limit=1000,
    # GET /api-data/public/data/funding-rate-history (the product's .<BASE>FR8H symbol):
    # start/end/limit, at most 100 rows a request
    funding_page=100,
    clock=ClockSource.LOCAL,
    stop_direction_param="triggerDirection",  # ccxt refuses a stop without it
    account_code_param="code",  # inverse accounts are per coin (BTC for BTCUSD, ETH for ...)
    balance_params={"type": "swap"},  # ccxt's default is the spot wallet
)
