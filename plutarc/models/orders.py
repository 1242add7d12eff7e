"""Orders, order intents and fills: Decimal money and quantities, never floats."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from plutarc.models.enums import FillKind, Liquidity, OrderStatus, OrderType, Side, TimeInForce


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What we ask a venue to do; ``client_id`` is deterministic and journaled before sending."""

    client_id: str
    symbol: str
    side: Side
    type: OrderType
    qty: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_offset: Decimal | None = None  # trailing stops: distance in price units
    post_only: bool = False
    reduce_only: bool = False
    time_in_force: TimeInForce = TimeInForce.GTC
    tag: str = ""  # why we sent it: entry, exit, stop, take_profit, flatten ...

    def __post_init__(self) -> None:
        if self.qty <= 0:
            raise ValueError(f"order {self.client_id}: quantity must be positive, got {self.qty}")
        if self.type in (OrderType.LIMIT, OrderType.STOP_LIMIT) and self.price is None:
            raise ValueError(f"order {self.client_id}: a {self.type} order needs a price")
        if self.type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT) and self.stop_price is None:
            raise ValueError(f"order {self.client_id}: a {self.type} order needs a stop price")
        if self.type is OrderType.TRAILING_STOP and not self.trail_offset:
            raise ValueError(f"order {self.client_id}: a trailing stop needs a trail offset")
        if self.post_only and self.type is not OrderType.LIMIT:
            raise ValueError(f"order {self.client_id}: only limit orders can be post-only")


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the venue knows it."""

    request: OrderRequest
    venue_id: str
    status: OrderStatus
    filled_qty: Decimal = Decimal(0)
    avg_price: Decimal | None = None
    created_ms: int = 0
    updated_ms: int = 0
    reject_reason: str = ""

    @property
    def client_id(self) -> str:
        return self.request.client_id

    @property
    def remaining_qty(self) -> Decimal:
        return self.request.qty - self.filled_qty

    def evolve(self, **changes: object) -> Order:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution against an order; ``fee`` is in the settle currency (negative = rebate)."""

    fill_id: str
    client_id: str
    venue_order_id: str
    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str
    liquidity: Liquidity
    ts_ms: int
    tag: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    kind: FillKind = FillKind.TRADE  # forced kinds are the venue closing the position
