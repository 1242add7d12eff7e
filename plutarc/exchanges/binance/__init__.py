"""Binance USD-M futures through ccxt (``binanceusdm``): its profile.

Facts (../shared/venues/quirks.md, checked against ccxt 4.5): newest-first history is
reversed by the candle path; a rate-limit ban (HTTP 418) is final; no in-place amend of stops,
so amends cancel then place under the same client id; server time signs (median of 5).
"""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.profile import AmendStyle, CcxtProfile
from plutarc.models import OrderType

ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET,
                         OrderType.STOP_LIMIT})

PROFILE = CcxtProfile(
    name="binance",
    ccxt_id="binanceusdm",
    capabilities=Capabilities(
        native_intervals=("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "1d"),
        order_types=ORDER_TYPES,
        max_candles_per_request=1500,
    ),
    candle_limit=1500,
    amend=AmendStyle.CANCEL_THEN_PLACE,
    ban_is_final=True,
    websocket=True,  # klines, ORDER_TRADE_UPDATE on the listen-key user stream
    ws_stale_event=("e", "listenKeyExpired"),
    ws_keepalive="keep_alive_listen_key",  # PUT /fapi/v1/listenKey (a key lives 60 min)
    ws_keepalive_s=1200.0,
    funding_page=1000,  # /fapi/v1/fundingRate
    oi_page=500,  # /futures/data/openInterestHist (the venue keeps its last 30 days)
    oi_retention=720,  # 30 days of hourly rows: the report names the horizon
    history_pace_s=0.25,  # a 1500-bar klines page weighs 10 of 2400 per minute
    archive_url="https://data.binance.vision/data/futures/um",
    open_order_queries=({}, {"trigger": True}),  # stops rest on the algo-order service
    trigger_params={"trigger": True},
    error_codes={"-4116": "InvalidOrder"},  # "ClientOrderId is duplicated": a refusal
    options={"defaultType": "swap", "fetchMarkets": {"types": ["linear"]},
             "warnOnFetchOpenOrdersWithoutSymbol": False,
             # positions without the leverage-bracket call: we never read ccxt's margin maths
             "leverageBrackets": {}},
)
