"""Bybit (Unified account, linear perpetuals) through ccxt (``bybit``): its profile.

Facts: order and conditional orders share the v5 order lists; ccxt's fetch_order is
limited to recent orders, so an order is found by client id in the open/closed lists.
HTTP 200 with retCode != 0 is an error (ccxt reads the embedded code).
"""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.profile import CcxtProfile
from plutarc.models import OrderType

ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET,
                         OrderType.STOP_LIMIT})

PROFILE = CcxtProfile(
    name="bybit",
    ccxt_id="bybit",
    capabilities=Capabilities(
        native_intervals=("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "1d"),
        order_types=ORDER_TYPES,
    ),
    stop_direction_param="triggerDirection",
    candle_limit=1000,
    funding_page=200,  # /v5/market/funding/history
    oi_page=200,  # /v5/market/open-interest
    history_pace_s=0.1,
    lookup_by_client_id=False,
    websocket=True,  # kline.<i>.<symbol>; private: auth op, then "order" and "execution"
    options={"defaultType": "swap", "fetchMarkets": {"types": ["linear"]}},
)
