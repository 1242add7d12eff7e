"""The Venue interface every adapter implements (sim, BitMEX, the ccxt venues).

Only normalised types cross it. Prices and quantities are rounded to tick and lot with
Decimal here, at the boundary; venue quirks stay inside the adapter and are described by
its ``Capabilities`` record, never by testing a venue's name in shared code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

from plutarc.models import (
    Balance,
    Candle,
    Fill,
    Instrument,
    Order,
    OrderRequest,
    OrderType,
    Position,
)


@dataclass(frozen=True)
class Capabilities:
    """What a venue can do; adapters override the defaults they differ on."""

    native_intervals: tuple[str, ...] = ("1m", "5m", "1h", "1d")
    order_types: frozenset[OrderType] = frozenset(
        {OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET, OrderType.STOP_LIMIT}
    )
    native_trailing_stop: bool = False
    post_only: bool = True
    reduce_only: bool = True
    websocket_orders: bool = False
    inverse_contracts: bool = False
    exchange_side_stops: bool = True  # a resting stop survives our process dying
    candle_stamp: str = "open"  # "open" or "end": which edge of the bin the venue stamps
    funding_interval_h: int = 8
    max_candles_per_request: int = 1000
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FundingRate:
    symbol: str
    ts_ms: int
    rate: float


@dataclass(frozen=True)
class OpenInterest:
    symbol: str
    ts_ms: int
    value: float


@runtime_checkable
class Venue(Protocol):
    """The operations the daemon and the backtester use; all I/O is async."""

    name: str
    capabilities: Capabilities

    async def instruments(self) -> list[Instrument]: ...

    async def candles(
        self, symbol: str, interval: str, start_ms: int, end_ms: int
    ) -> list[Candle]:
        """Closed candles with open time in [start_ms, end_ms); synthesised where not native."""
        ...

    async def place_order(self, request: OrderRequest) -> Order: ...

    async def amend_order(
        self,
        client_id: str,
        *,
        qty: Decimal | None = None,
        price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> Order: ...

    async def cancel_order(self, client_id: str) -> Order: ...

    async def cancel_all(self, symbol: str | None = None) -> list[Order]: ...

    async def order_by_client_id(self, client_id: str) -> Order | None:
        """Look an order up after a timeout: the answer to 'did my order reach you?'."""
        ...

    async def open_orders(self, symbol: str | None = None) -> list[Order]: ...

    async def positions(self) -> list[Position]: ...

    async def balances(self) -> list[Balance]: ...

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]: ...

    async def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list[FundingRate]: ...

    async def open_interest(
        self, symbol: str, start_ms: int, end_ms: int
    ) -> list[OpenInterest]: ...

    async def server_time_ms(self) -> int: ...

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None: ...

    def stream_fills(self) -> AsyncIterator[Fill]: ...

    def stream_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        """Candles as the venue confirms them closed; never a partial bin."""
        ...

    async def close(self) -> None: ...
