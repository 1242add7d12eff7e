"""WorkingOrder: the engine's mutable record of one order (float trigger levels for matching)."""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum

from plutarc.models import Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce

ZERO = Decimal(0)


class Kind(IntEnum):
    """How an order behaves right now; a triggered stop becomes MARKET, a stop-limit LIMIT."""

    MARKET = 0
    LIMIT = 1
    STOP = 2  # stop-market and untriggered stop-limit
    TRAIL = 3


_KIND = {
    OrderType.MARKET: Kind.MARKET,
    OrderType.LIMIT: Kind.LIMIT,
    OrderType.STOP_MARKET: Kind.STOP,
    OrderType.STOP_LIMIT: Kind.STOP,
    OrderType.TRAILING_STOP: Kind.TRAIL,
}


class WorkingOrder:
    """One order as the matching engine tracks it. Decimal for money, float copies of the
    levels for comparing against float64 bar data."""

    __slots__ = (
        "request",
        "venue_id",
        "seq",
        "created_ms",
        "updated_ms",
        "status",
        "filled",
        "avg",
        "is_buy",
        "kind",
        "px_f",
        "stop_f",
        "best_f",
        "off_f",
        "seen_upto",
        "active_from",
        "immediate",
        "reserved",
        "reason",
        "on_close",
    )

    def __init__(
        self, request: OrderRequest, venue_id: str, seq: int, now_ms: int, active_from: int
    ) -> None:
        self.request = request
        self.venue_id = venue_id
        self.seq = seq
        self.created_ms = now_ms
        self.updated_ms = now_ms
        self.status = OrderStatus.NEW
        self.filled = ZERO
        self.avg: Decimal | None = None
        self.is_buy = request.side is Side.BUY
        self.kind = _KIND[request.type]
        self.px_f = float(request.price) if request.price is not None else 0.0
        self.stop_f = float(request.stop_price) if request.stop_price is not None else 0.0
        self.best_f = 0.0  # trailing stops: best price seen so far
        self.off_f = float(request.trail_offset) if request.trail_offset is not None else 0.0
        self.seen_upto = active_from - 1  # trailing stops: last bar folded into best_f
        self.active_from = active_from
        # IOC/FOK limits act once, at the open of their first bar, then expire
        self.immediate = request.time_in_force is not TimeInForce.GTC
        self.reserved = ZERO
        self.reason = ""
        # stops on a smoothed reference price (mark, index): triggered by closes only
        self.on_close = False

    @property
    def remaining(self) -> Decimal:
        return self.request.qty - self.filled

    @property
    def stop_level(self) -> float:
        """The price that triggers a stop: fixed, or the trailing level set by earlier bars."""
        if self.kind is Kind.TRAIL:
            return self.best_f - self.off_f if not self.is_buy else self.best_f + self.off_f
        return self.stop_f

    def snapshot(self) -> Order:
        return Order(
            self.request,
            self.venue_id,
            self.status,
            self.filled,
            self.avg,
            self.created_ms,
            self.updated_ms,
            self.reason,
        )
