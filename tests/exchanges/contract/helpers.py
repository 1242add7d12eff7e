"""Small shared steps of the contract checks (prices from the venue's own candles)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plutarc.models import Instrument, OrderRequest, OrderType, Side

MIN = 60_000


async def last_price(v: Any, symbol: str) -> Decimal:
    now = await v.server_time_ms()
    bars = await v.candles(symbol, "1m", now - 10 * MIN, now)
    return Decimal(str(bars[-1].close))


def resting(kind: OrderType, client_id: str, inst: Instrument, qty: Decimal,
            last: Decimal) -> OrderRequest:
    """An order of ``kind`` that rests without trading: a buy limit 20% under the price,
    buy stops 10% over it (their limit 1% further), a sell trailing stop 5% behind."""
    if kind is OrderType.LIMIT:
        return OrderRequest(client_id, inst.symbol, Side.BUY, kind, qty,
                            price=inst.round_price(last * Decimal("0.8"), "down"))
    if kind in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT):
        trigger = inst.round_price(last * Decimal("1.1"), "up")
        price = inst.round_price(trigger * Decimal("1.01"), "up")
        return OrderRequest(client_id, inst.symbol, Side.BUY, kind, qty, stop_price=trigger,
                            price=price if kind is OrderType.STOP_LIMIT else None)
    if kind is OrderType.TRAILING_STOP:
        offset = inst.round_price(last * Decimal("0.05"), "up")
        return OrderRequest(client_id, inst.symbol, Side.BUY, kind, qty, trail_offset=offset)
    raise ValueError(f"{kind} does not rest")


def protective_stop_kind(order_types: frozenset[OrderType]) -> OrderType:
    return OrderType.STOP_MARKET if OrderType.STOP_MARKET in order_types else (
        OrderType.STOP_LIMIT)
