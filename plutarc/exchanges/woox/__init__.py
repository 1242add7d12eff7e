"""WOO X perpetuals (PERP_BTC_USDT) through ccxt (``woo``): its profile.

Facts: client ids must be numbers (ours become the first 62 bits of their SHA-256: the
same number in every process, no table to keep); stops are algo orders on their own
endpoints; no 3m/2h candles (grouped); local clock; leverage per symbol.
"""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.profile import CcxtProfile, ClockSource
from plutarc.models import OrderType

ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET,
                         OrderType.STOP_LIMIT})

PROFILE = CcxtProfile(
    name="woox",
    ccxt_id="woo",
    capabilities=Capabilities(
        native_intervals=("1m", "5m", "15m", "30m", "1h", "4h", "1d"),
        order_types=ORDER_TYPES,
    ),
    candle_limit=1000,
    # GET /v3/public/fundingRateHistory: startTime/endTime, 25 rows a page (ccxt sends no
    # size), so a full page is split and asked again
    funding_page=25,
    clock=ClockSource.LOCAL,
    numeric_client_ids=True,
    lookup_by_client_id=False,  # ccxt's fetch_order by client id sends the venue id
    open_order_queries=({}, {"trigger": True}),  # stops are algo orders, listed apart
    trigger_params={"trigger": True},
)
