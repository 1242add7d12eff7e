"""Native BitMEX adapter: REST + websocket, live and testnet."""

from plutarc.exchanges.bitmex.adapter import AdapterState, BitmexAdapter
from plutarc.exchanges.bitmex.auth import Credentials
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.latency import LatencyBook, LatencySnapshot, LatencyStats

__all__ = [
    "AdapterState",
    "BitmexAdapter",
    "BitmexConfig",
    "Credentials",
    "LatencyBook",
    "LatencySnapshot",
    "LatencyStats",
]
