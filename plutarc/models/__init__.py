"""Domain types that cross every boundary of plutarc."""

from plutarc.models.account import Balance, Position
from plutarc.models.enums import (
    ContractKind,
    Direction,
    FillKind,
    Liquidity,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from plutarc.models.events import Event, EventKind, Severity
from plutarc.models.instrument import Instrument, to_decimal
from plutarc.models.market import Candle
from plutarc.models.orders import Fill, Order, OrderRequest
from plutarc.models.trade import Trade

__all__ = [
    "Balance",
    "Candle",
    "ContractKind",
    "Direction",
    "Event",
    "EventKind",
    "Fill",
    "FillKind",
    "Instrument",
    "Liquidity",
    "Order",
    "OrderRequest",
    "OrderStatus",
    "OrderType",
    "Position",
    "Severity",
    "Side",
    "TimeInForce",
    "Trade",
    "to_decimal",
]
