"""A protocol-faithful local BitMEX server (REST + websocket) over replayed real candles."""

from plutarc.exchanges.bitmex_sim.config import SimServerConfig
from plutarc.exchanges.bitmex_sim.server import SimServer

__all__ = ["SimServer", "SimServerConfig"]
