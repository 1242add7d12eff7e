"""KuCoin Futures (XBTUSDTM style symbols) through ccxt (``kucoinfutures``): its profile.

Facts: no 3m candles over REST (left out, grouped from 1m); at most 200 candles per
call; keys have a passphrase; no amend: cancel first, then place; the success code is the
string '200000' (ccxt reads it).
"""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.profile import AmendStyle, CcxtProfile
from plutarc.models import OrderType

ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET,
                         OrderType.STOP_LIMIT})

PROFILE = CcxtProfile(
    name="kucoin",
    ccxt_id="kucoinfutures",
    capabilities=Capabilities(
        native_intervals=("1m", "5m", "15m", "30m", "1h", "2h", "4h", "1d"),
        order_types=ORDER_TYPES,
        max_candles_per_request=200,
    ),
    candle_limit=200,
    # GET /api/v1/contract/funding-rates: symbol, from and to (ccxt: since, until) required
    funding_page=100,
    # GET /api/ua/v1/market/open-interest (interval, startAt, endAt ~ ccxt's until, pageSize
    # at most 200): contracts per hour
    oi_page=200,
    amend=AmendStyle.CANCEL_THEN_PLACE,
    # clientOid is "unique" in KuCoin's docs: read strictly, a cancelled order's id is not
    # free again, so a replacement under it would fail after the cancel; amends are refused
    # before the cancel instead (the stop stays where it is)
    client_ids_reusable=False,
    open_order_queries=({}, {"trigger": True}),  # untriggered stops: /api/v1/stopOrders
    needs_passphrase=True,
    # ccxt's KuCoin class is shared with spot and the unified account: without these, loading
    # futures markets asks the spot margin lists and the spot account type, and every private
    # call first asks the account mode; bots trade the classic futures API
    options={"defaultType": "swap", "hf": False, "uta": False},
    market_params={"marginables": False},
)
