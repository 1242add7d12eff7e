"""Small enumerations shared by the domain types."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class Direction(StrEnum):
    LONG = "long"
    SHORT = "short"

    @property
    def sign(self) -> int:
        return 1 if self is Direction.LONG else -1

    @property
    def entry_side(self) -> Side:
        return Side.BUY if self is Direction.LONG else Side.SELL

    @property
    def exit_side(self) -> Side:
        return Side.SELL if self is Direction.LONG else Side.BUY

    @property
    def opposite(self) -> Direction:
        return Direction.SHORT if self is Direction.LONG else Direction.LONG


class ContractKind(StrEnum):
    LINEAR = "linear"
    INVERSE = "inverse"
    QUANTO = "quanto"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"
    STOP_LIMIT = "stop_limit"
    TRAILING_STOP = "trailing_stop"


class TimeInForce(StrEnum):
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"


class OrderStatus(StrEnum):
    PENDING = "pending"  # journaled, not yet acknowledged by the venue
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.PENDING, OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


class FillKind(StrEnum):
    """Why a fill happened: our own order traded, or the venue closed the position by force."""

    TRADE = "trade"
    LIQUIDATION = "liquidation"  # the venue's liquidation engine closed (part of) the position
    BANKRUPTCY = "bankruptcy"  # closed at the bankruptcy price (insurance fund / ADL)

    @property
    def forced(self) -> bool:
        return self is not FillKind.TRADE


class Liquidity(StrEnum):
    MAKER = "maker"
    TAKER = "taker"
