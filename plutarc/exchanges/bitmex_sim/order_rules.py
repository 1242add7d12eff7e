"""BitMEX's order-entry rules, applied by the simulator before its matching engine sees an order.

- ``ReduceOnly``/``Close`` that cannot reduce (no position, or a side that would add to it) is
  not an error at BitMEX: HTTP 200, the order ``Canceled`` with BitMEX's text [V] (real rows:
  "Canceled: Order had execInst of Close or ReduceOnly and side of Buy but current position
  is 0\\nSubmitted via API.", 2019 testnet; support.bitmex.com "Why was my order
  canceled/rejected").
- Caps from the instrument row: ``orderQty`` above ``maxOrderQty`` and prices above
  ``maxPrice`` are refused (400) [V fields, U exact texts].
- A resting ReduceOnly/Close order larger than the position it reduces is amended down to
  the position when the position shrinks (its leavesQty never exceeds the position) [V
  behaviour per issue 14, U exact text: the order row keeps its text, the execution is
  ``Replaced``].
- Leverage is capped at 1 / ``initMargin`` (the engine); BitMEX lets a position grow past the
  base ``riskLimit`` only at raised margins (one ``initMargin`` more per ``riskStep``). The
  simulator does not model raised risk limits: an order that would take the position's value
  past the base ``riskLimit`` is refused (400), the stricter reading [U exact text].
- At most 10 stop orders per symbol and 200 open orders per account [U, nautilus docs]: the
  simulator refuses the 11th and the 201st (400), the stricter reading.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plutarc.exchanges.bitmex_sim.entry import NewOrder
from plutarc.exchanges.bitmex_sim.params import ParamError
from plutarc.exchanges.bitmex_sim.rows import TERMINAL, value_minor
from plutarc.models import OrderType, Side

MAX_STOPS_PER_SYMBOL = 10
MAX_OPEN_ORDERS = 200
STOP_TYPES = frozenset({"Stop", "StopLimit", "MarketIfTouched", "LimitIfTouched"})


def reduce_only_refusal(spec: NewOrder, position_qty: Decimal) -> str | None:
    """BitMEX's cancel text when a ReduceOnly/Close order cannot reduce the position."""
    if not spec.reduce_only:
        return None
    reduces = position_qty != 0 and (position_qty > 0) != (spec.side is Side.BUY)
    if reduces:
        return None
    side = "Buy" if spec.side is Side.BUY else "Sell"
    return (f"Canceled: Order had execInst of Close or ReduceOnly and side of {side} but "
            f"current position is {_whole(position_qty)}\n{spec.text}")


def _whole(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value)


def oversized_reduce_only(orders: list[tuple[str, bool, Decimal, Decimal]],
                          position_qty: Decimal) -> list[tuple[str, Decimal]]:
    """(order id, new orderQty) for each working reduce-only order, given as (order id, is
    buy, orderQty, cumQty), whose leavesQty exceeds the position it would reduce."""
    out = []
    for order_id, is_buy, qty, cum in orders:
        reduces = position_qty != 0 and (position_qty > 0) != is_buy
        if reduces and qty - cum > abs(position_qty):
            out.append((order_id, cum + abs(position_qty)))
    return out


def check_caps(spec: NewOrder, row: dict[str, Any]) -> None:
    """``maxOrderQty`` and ``maxPrice`` of the instrument row (absent = no cap)."""
    max_qty = row.get("maxOrderQty")
    if max_qty is not None and spec.qty > Decimal(str(max_qty)):
        raise ParamError(f"Invalid orderQty: {_whole(spec.qty)} is above maxOrderQty "
                         f"{max_qty} for {row['symbol']}")
    max_price = row.get("maxPrice")
    if max_price is None:
        return
    for name, value in (("price", spec.price), ("stopPx", spec.stop_px)):
        if value is not None and value > Decimal(str(max_price)):
            raise ParamError(f"Invalid {name}: {value} is above maxPrice {max_price} for "
                             f"{row['symbol']}")


def check_risk_limit(spec: NewOrder, row: dict[str, Any], position_qty: Decimal,
                     last: Decimal) -> None:
    """Refuse an order that would take the position's value past the base riskLimit."""
    limit = row.get("riskLimit")
    if not limit or spec.reduce_only:
        return
    after = position_qty + spec.qty * spec.side.sign
    if abs(after) <= abs(position_qty):
        return  # reduces the position
    price = spec.price if spec.price is not None else (spec.stop_px or last)
    value = abs(value_minor(row, after, price))
    if value > limit:
        raise ParamError(f"Position value {value} would exceed the risk limit {limit} of "
                         f"{row['symbol']} (raised risk limits are not simulated)")


def check_counts(spec: NewOrder, symbol: str, orders: dict[str, dict[str, Any]]) -> None:
    """Refuse the 201st open order of the account and the 11th stop order of a symbol."""
    working = [r for r in orders.values() if r["ordStatus"] not in TERMINAL]
    if spec.kind is not OrderType.MARKET and len(working) >= MAX_OPEN_ORDERS:
        raise ParamError(f"Too many open orders: at most {MAX_OPEN_ORDERS} per account")
    if spec.ord_type in STOP_TYPES:
        stops = [r for r in working if r["symbol"] == symbol and r["ordType"] in STOP_TYPES]
        if len(stops) >= MAX_STOPS_PER_SYMBOL:
            raise ParamError(f"Too many stop orders: at most {MAX_STOPS_PER_SYMBOL} per "
                             f"symbol on {symbol}")
