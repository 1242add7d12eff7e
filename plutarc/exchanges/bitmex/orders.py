"""Our order requests -> BitMEX POST/PUT /order bodies, rounded to tick and lot with Decimal.

Every order carries our clOrdID. Stops always name their trigger reference (a setting,
because the venue default is disputed). A trailing stop is native: ordType Stop with
pegPriceType TrailingStopPeg and a signed pegOffsetValue (negative for a sell stop).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plutarc.errors import OrderRejected, UsageError
from plutarc.exchanges.bitmex.parse import WIRE_SIDES, WIRE_TIME_IN_FORCE
from plutarc.models import Instrument, Order, OrderRequest, OrderType, Side

MAX_CLORDID_LEN = 36


def wire_number(value: Decimal) -> int | float:
    """A JSON number for a tick- or lot-rounded Decimal: int when whole, else the float
    whose shortest repr is that decimal (exact for every tick BitMEX lists)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def check_client_id(client_id: str) -> None:
    if not client_id or len(client_id) > MAX_CLORDID_LEN:
        raise UsageError(
            f"BitMEX clOrdID must be 1-{MAX_CLORDID_LEN} characters, got {len(client_id)}: "
            f"{client_id!r}"
        )


def rounded_qty(inst: Instrument, qty: Decimal, client_id: str) -> Decimal:
    rounded = inst.round_qty(qty)
    if rounded <= 0 or rounded < inst.min_qty:
        raise OrderRejected(
            f"order {client_id}: quantity {qty} is below one lot of {inst.symbol} "
            f"({inst.lot_size} contracts)"
        )
    return rounded


def trail_peg_offset(side: Side, offset: Decimal) -> Decimal:
    """pegOffsetValue: a sell stop trails below the price (negative), a buy stop above."""
    return -abs(offset) if side is Side.SELL else abs(offset)


def order_body(req: OrderRequest, inst: Instrument, trigger: str) -> dict[str, Any]:
    """The POST /order body for ``req``."""
    check_client_id(req.client_id)
    body: dict[str, Any] = {
        "symbol": inst.venue_symbol,
        "side": WIRE_SIDES[req.side],
        "orderQty": wire_number(rounded_qty(inst, req.qty, req.client_id)),
        "clOrdID": req.client_id,
    }
    insts: list[str] = []
    kind = req.type
    if kind is OrderType.MARKET:
        body["ordType"] = "Market"
    elif kind is OrderType.LIMIT:
        body["ordType"] = "Limit"
        body["price"] = wire_number(inst.round_price_passive(req.price, req.side))  # type: ignore[arg-type]
        if req.post_only:
            insts.append("ParticipateDoNotInitiate")
    elif kind is OrderType.STOP_MARKET:
        body["ordType"] = "Stop"
        body["stopPx"] = wire_number(inst.round_price(req.stop_price))  # type: ignore[arg-type]
        insts.append(trigger)
    elif kind is OrderType.STOP_LIMIT:
        body["ordType"] = "StopLimit"
        body["stopPx"] = wire_number(inst.round_price(req.stop_price))  # type: ignore[arg-type]
        body["price"] = wire_number(inst.round_price_passive(req.price, req.side))  # type: ignore[arg-type]
        insts.append(trigger)
    elif kind is OrderType.TRAILING_STOP:
        body["ordType"] = "Stop"
        body["pegPriceType"] = "TrailingStopPeg"
        offset = inst.round_price(req.trail_offset)  # type: ignore[arg-type]
        if offset <= 0:
            raise OrderRejected(f"order {req.client_id}: trail offset rounds to zero ticks")
        body["pegOffsetValue"] = wire_number(trail_peg_offset(req.side, offset))
        insts.append(trigger)
    else:  # pragma: no cover - OrderType is closed
        raise UsageError(f"BitMEX cannot place a {kind} order")
    if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        body["timeInForce"] = WIRE_TIME_IN_FORCE[req.time_in_force]
    if req.reduce_only:
        insts.append("ReduceOnly")
    if insts:
        body["execInst"] = ",".join(insts)
    if req.tag:
        body["text"] = f"plutarc {req.tag}"
    return body


def close_body(
    client_id: str, inst: Instrument, side: Side, price: Decimal | None = None
) -> dict[str, Any]:
    """execInst=Close without orderQty: closes the whole position (market unless priced)."""
    check_client_id(client_id)
    body: dict[str, Any] = {
        "symbol": inst.venue_symbol,
        "side": WIRE_SIDES[side],
        "clOrdID": client_id,
        "execInst": "Close",
        "ordType": "Market" if price is None else "Limit",
    }
    if price is not None:
        body["price"] = wire_number(inst.round_price_passive(price, side))
    return body


def amend_body(
    client_id: str,
    inst: Instrument,
    side: Side,
    *,
    qty: Decimal | None = None,
    price: Decimal | None = None,
    stop_price: Decimal | None = None,
    trail_offset: Decimal | None = None,
    kind: OrderType | None = None,
) -> dict[str, Any]:
    """The PUT /order body: the order is named by our clOrdID (origClOrdID).

    A trailing stop (``kind`` TRAILING_STOP) is pegged: BitMEX moves its stopPx itself, so it
    is amended through its signed ``pegOffsetValue`` (``trail_offset``), never ``stopPx``."""
    check_client_id(client_id)
    if qty is None and price is None and stop_price is None and trail_offset is None:
        raise UsageError(f"amend of {client_id}: nothing to change")
    trailing = kind is OrderType.TRAILING_STOP
    if trailing and stop_price is not None:
        raise UsageError(f"amend of {client_id}: a trailing stop's stop price is moved by "
                         "BitMEX; amend its trail offset (pegOffsetValue) instead")
    if trail_offset is not None and not trailing:
        raise UsageError(f"amend of {client_id}: only a trailing stop has a trail offset")
    body: dict[str, Any] = {"origClOrdID": client_id}
    if qty is not None:
        body["orderQty"] = wire_number(rounded_qty(inst, qty, client_id))
    if price is not None:
        body["price"] = wire_number(inst.round_price_passive(price, side))
    if stop_price is not None:
        body["stopPx"] = wire_number(inst.round_price(stop_price))
    if trail_offset is not None:
        offset = inst.round_price(abs(trail_offset))
        if offset <= 0:
            raise OrderRejected(f"amend of {client_id}: trail offset rounds to zero ticks")
        body["pegOffsetValue"] = wire_number(trail_peg_offset(side, offset))
    return body


def same_order_mismatch(found: Order, request: OrderRequest, body: dict[str, Any]) -> str:
    """'' when ``found`` (the venue's order under our clOrdID) is the order ``body`` asked
    for, else what differs. Compares symbol, side, qty and price/stopPx as sent (rounded);
    a trailing stop's stopPx moves with the market, so only its presence is checked."""
    wanted = found.request
    checks = [
        ("symbol", wanted.symbol, request.symbol),
        ("side", wanted.side, request.side),
        ("qty", wanted.qty, Decimal(str(body["orderQty"])) if "orderQty" in body else None),
    ]
    if "price" in body:
        checks.append(("price", wanted.price, Decimal(str(body["price"]))))
    if "stopPx" in body:
        checks.append(("stopPx", wanted.stop_price, Decimal(str(body["stopPx"]))))
    for name, theirs, ours in checks:
        if ours is not None and theirs != ours:
            return f"{name} {theirs} there, {ours} ours"
    return ""
