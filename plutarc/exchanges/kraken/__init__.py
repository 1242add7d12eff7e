"""Kraken Futures (PF_ linear, PI_ inverse) through ccxt (``krakenfutures``): its profile.

Facts: no 3m/2h candles (grouped from 1m/1h); no candle websocket (REST polling);
no server-time endpoint (the local clock; Kraken signs with nonces); hourly funding.
Checked against the local server: an order refusal comes nested under a top-level success
(ccxt raises it from ``sendStatus.status``); /orders/status only knows orders of the last
5 s, so an order is looked up in the open list, then the order-event history (finished
stops live in the trigger history, not asked: a cancelled stop is reported cancelled).
"""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.profile import CcxtProfile, ClockSource
from plutarc.models import OrderType

ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET,
                         OrderType.STOP_LIMIT})

PROFILE = CcxtProfile(
    name="kraken",
    ccxt_id="krakenfutures",
    capabilities=Capabilities(
        native_intervals=("1m", "5m", "15m", "30m", "1h", "4h", "1d"),
        order_types=ORDER_TYPES,
        inverse_contracts=True,
        funding_interval_h=1,
        max_candles_per_request=2000,
    ),
    candle_limit=2000,
    # GET /derivatives/api/v4/historicalfundingrates answers the whole history at once (no
    # paging parameters): ccxt keeps since/limit, so one request per month of funding
    funding_page=10_000,
    history_until=("", 0),
    clock=ClockSource.LOCAL,
    lookup_by_client_id=False,
    trigger_amend_param="stopPrice",  # editorder takes the venue's own field
)
