"""OKX perpetual swaps through ccxt (``okx``): its profile.

Facts: keys have a passphrase; REST signs with ISO-8601 times (ccxt); at most 300
candles per call; trigger (algo) orders are listed apart from plain ones; net position mode
is needed on the account; a whole position (dust too) is closed by its close-position
endpoint.
"""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.profile import CcxtProfile
from plutarc.models import OrderType

ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET,
                         OrderType.STOP_LIMIT})

PROFILE = CcxtProfile(
    name="okx",
    ccxt_id="okx",
    capabilities=Capabilities(
        native_intervals=("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "1d"),
        order_types=ORDER_TYPES,
        max_candles_per_request=300,
        # POST /api/v5/trade/close-position: the whole position at market whatever its size
        extra={"close_order": "close-position (POST /api/v5/trade/close-position)"},
    ),
    candle_limit=300,
    funding_page=100,  # /api/v5/public/funding-rate-history (its last 3 months)
    history_until=("after", 0),  # rows older than ``after``: OKX pages by before/after
    # /api/v5/rubik/stat/contracts/open-interest-history: [ts, oi, oiCcy, oiUsd] newest
    # first, at most 100 a request, begin/end both exclusive (ccxt sets them from since and
    # ``until``), only the latest 1,440 rows of each period (60 days at 1H)
    oi_page=100,
    oi_until=("until", -1),
    oi_retention=1440,
    history_pace_s=0.2,  # 10 funding-history requests per 2 s
    needs_passphrase=True,
    net_mode_required=True,  # long/short mode would open a second position on a "sell"
    websocket=True,  # candles on /business; private: login op, then the "orders" channel
    alnum_client_ids=True,  # clOrdId: letters and digits, up to 32
    client_id_max_len=32,  # a longer (escaped) id is sent as a hash of it
    open_order_queries=({}, {"trigger": True}),
    trigger_params={"trigger": True},
    close_client_id_param="clOrdId",  # close-position takes clOrdId, answers no ordId
    trigger_client_id_param="algoClOrdId",  # algo orders carry their own client id field
    client_id_info_key="algoClOrdId",  # ccxt parses clOrdId only: a stop's id is read here
    trigger_amend_type="trigger",  # ccxt amends algo orders (amend-algos) for this type
    trigger_amend_param="newTriggerPx",
    options={"defaultType": "swap", "fetchMarkets": {"types": ["swap"]}},
)
