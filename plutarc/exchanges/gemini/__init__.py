"""Gemini perpetuals (btcgusdperp) through ccxt (``gemini``): its profile.

Facts: no market orders (an IOC limit 0.5% through the price stands in); only stop-limit
stops; candles 1m/5m/15m/30m/1h/1d (others grouped); no candle websocket; nonces, no
server time; cancel-and-replace places the new order first (not done yet: it needs a second
client id in the journal, so amends are refused clearly); ccxt has no fetch_positions.
"""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.profile import AmendStyle, CcxtProfile, ClockSource, MarketOrderStyle
from plutarc.models import OrderType

PROFILE = CcxtProfile(
    name="gemini",
    ccxt_id="gemini",
    capabilities=Capabilities(
        native_intervals=("1m", "5m", "15m", "30m", "1h", "1d"),
        order_types=frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT}),
    ),
    candle_limit=1000,
    market_orders=MarketOrderStyle.IOC_LIMIT,
    amend=AmendStyle.PLACE_THEN_CANCEL,
    clock=ClockSource.LOCAL,
    lookup_by_client_id=False,
    required_methods=("fetchMarkets", "fetchOHLCV", "createOrder", "cancelOrder",
                      "fetchOpenOrders", "fetchBalance"),
)
