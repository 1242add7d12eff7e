"""Gemini perpetuals (btcgusdperp) through ccxt (``gemini``): its profile.

Facts: no market orders (an IOC limit 0.5% through the price stands in); only stop-limit
stops (a stop-market, e.g. a bot's protective stop, goes out as a stop-limit whose limit is
0.5% through its trigger: a gap past that leaves it resting unfilled), and no reduce-only
flag (a protective stop rests as a plain stop-limit: declared in the capabilities, so the
flag is never sent); candles 1m/5m/15m/30m/1h/1d (others grouped); no
candle websocket; nonces, no server time; client ids are not unique at Gemini (the newest
order under one is ours). Cancel-and-replace would place the new order first; not done yet
(it needs a second client id in the journal), so amends are refused and the order stays.
What ccxt lacks (the perpetuals' market table, positions, lookup by client id) is in
``hooks``.
"""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.profile import AmendStyle, CcxtProfile, ClockSource, MarketOrderStyle
from plutarc.exchanges.gemini.hooks import GeminiHooks
from plutarc.models import OrderType

PROFILE = CcxtProfile(
    name="gemini",
    ccxt_id="gemini",
    capabilities=Capabilities(
        native_intervals=("1m", "5m", "15m", "30m", "1h", "1d"),
        order_types=frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET,
                               OrderType.STOP_LIMIT}),  # market kinds by stand-ins
        reduce_only=False,
    ),
    candle_limit=1000,
    market_orders=MarketOrderStyle.IOC_LIMIT,
    stop_market_as_limit=True,
    amend=AmendStyle.PLACE_THEN_CANCEL,
    clock=ClockSource.LOCAL,
    unique_client_ids=False,
    trigger_info_key="stop_price",  # ccxt's parse_order leaves a stop's trigger in the row
    hooks=GeminiHooks(),
    required_methods=("fetchOHLCV", "createOrder", "cancelOrder", "fetchOpenOrders",
                      "fetchBalance", "fetchOrder", "fetchMyTrades", "fetchTicker"),
)
