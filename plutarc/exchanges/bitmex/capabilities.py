"""What BitMEX can do, as data: the adapter's Capabilities record."""

from __future__ import annotations

from plutarc.exchanges.base import Capabilities
from plutarc.models import OrderType

NATIVE_INTERVALS = ("1m", "5m", "1h", "1d")

# Synthesised interval -> the native interval it is built from (the largest that divides it).
SYNTHESISED_FROM = {
    "3m": "1m",
    "15m": "5m",
    "30m": "5m",
    "2h": "1h",
    "4h": "1h",
}


def bitmex_capabilities(max_candles_per_request: int = 500) -> Capabilities:
    return Capabilities(
        native_intervals=NATIVE_INTERVALS,
        order_types=frozenset(
            {
                OrderType.MARKET,
                OrderType.LIMIT,
                OrderType.STOP_MARKET,
                OrderType.STOP_LIMIT,
                OrderType.TRAILING_STOP,
            }
        ),
        native_trailing_stop=True,
        post_only=True,
        reduce_only=True,
        websocket_orders=False,  # BitMEX takes orders over REST only
        inverse_contracts=True,
        exchange_side_stops=True,
        candle_stamp="end",
        funding_interval_h=8,  # the instrument's fundingInterval is authoritative
        max_candles_per_request=max_candles_per_request,
        extra={
            "close_order": "execInst=Close",
            "dead_man_switch": "cancelAllAfter",
            "open_interest_history": "none: current value only",
            "quanto_contracts": "yes",
        },
    )
