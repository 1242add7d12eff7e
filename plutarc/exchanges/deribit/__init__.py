"""Deribit perpetuals (inverse BTC-PERPETUAL) through ccxt (``deribit``): its profile.

Facts: no 4h candles (grouped from 1h); OAuth2 client credentials (ccxt refreshes);
no partially-filled state (inferred from the filled amount in parse.order_status);
client ids travel as the order label, which fetch_order cannot search: lists are scanned.
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
    lookup_by_client_id=False,
)
