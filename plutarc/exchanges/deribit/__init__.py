"""Deribit perpetuals (inverse BTC-PERPETUAL) through ccxt (``deribit``): its profile.

Facts: no 4h candles (grouped from 1h); OAuth2 client credentials (ccxt refreshes);
no partially-filled state (inferred from the filled amount in parse.order_status);
client ids travel as the order ``label`` (ccxt neither sends nor parses it: the profile
names the param and the raw field), labels are not unique at Deribit, and fetch_order cannot
search them: lists are scanned. ccxt reads stops from ``stopLossPrice`` only (a
``triggerPrice`` would go out as an unknown parameter and leave a plain order).
"""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.ccxt.profile import CcxtProfile
from plutarc.models import OrderType

ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET,
                         OrderType.STOP_LIMIT})

PROFILE = CcxtProfile(
    name="deribit",
    ccxt_id="deribit",
    capabilities=Capabilities(
        native_intervals=("1m", "3m", "5m", "15m", "30m", "1h", "2h", "1d"),
        order_types=ORDER_TYPES,
        inverse_contracts=True,
    ),
    candle_limit=1000,
    # GET /api/v2/public/get_funding_rate_history: hourly rows of the continuous funding, at
    # most 744 a request; ccxt's fundingRate is interest_8h (an 8-hour rate) but what each
    # hour charged is interest_1h, which is stored
    funding_page=744,
    funding_info_key="interest_1h",
    stop_param="stopLossPrice",
    trigger_amend_param="trigger_price",  # private/edit takes the venue's own field
    client_id_param="label",
    client_id_info_key="label",
    unique_client_ids=False,
    amount_in_quote=True,  # BTC-PERPETUAL amounts are USD, multiples of the 10 USD contract
    lookup_by_client_id=False,
)
