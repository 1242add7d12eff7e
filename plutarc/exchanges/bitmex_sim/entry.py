"""POST /order parameters -> a checked order, with BitMEX's defaults and refusals.

Defaults: side from the sign of orderQty, ordType Limit with price / Stop with stopPx /
StopLimit with both / Market otherwise, timeInForce GoodTillCancel for priced orders.
Quantities must be whole lots and prices whole ticks (no silent rounding, as at BitMEX),
except a Close without orderQty: it takes the whole position, whatever its size (a position
below the lot, after a lot-size change, can only be closed that way). An order without
orderQty and without execInst=Close is refused.
Order kinds this simulator cannot match (touched, pegged other than trailing) are refused
with a message that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from plutarc.exchanges.bitmex_sim.params import ParamError
from plutarc.models import Instrument, OrderType, Side, TimeInForce, to_decimal

TIF = {"GoodTillCancel": TimeInForce.GTC, "ImmediateOrCancel": TimeInForce.IOC,
       "FillOrKill": TimeInForce.FOK}
EXEC_INSTS = {"ParticipateDoNotInitiate", "AllOrNone", "MarkPrice", "IndexPrice", "LastPrice",
              "Close", "ReduceOnly", "Fixed", "LastWithinMark"}


@dataclass(frozen=True)
class NewOrder:
    cl_ord_id: str
    side: Side
    qty: Decimal
    kind: OrderType
    ord_type: str
    price: Decimal | None
    stop_px: Decimal | None
    peg_offset: Decimal | None
    peg_type: str
    time_in_force: TimeInForce
    wire_tif: str
    exec_inst: str
    post_only: bool
    reduce_only: bool
    text: str
    whole_position: bool = False  # Close without orderQty: the position's size, off the lot


def decimal_param(params: dict[str, Any], name: str) -> Decimal | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return to_decimal(value if not isinstance(value, str) else Decimal(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ParamError(f"{name} is invalid") from None


def _on_grid(value: Decimal, step: Decimal) -> bool:
    return (value / step) == (value / step).to_integral_value()


def _ord_type(params: dict[str, Any], price: Decimal | None, stop: Decimal | None) -> str:
    ord_type = params.get("ordType")
    if ord_type:
        return str(ord_type)
    if params.get("pegPriceType"):
        return "Pegged"
    if price is not None and stop is not None:
        return "StopLimit"
    if stop is not None:
        return "Stop"
    return "Limit" if price is not None else "Market"


def parse_new_order(params: dict[str, Any], inst: Instrument, position_qty: Decimal) -> NewOrder:
    cl_ord_id = str(params.get("clOrdID") or "")
    if len(cl_ord_id) > 36:
        raise ParamError("clOrdID is too long (36 characters at most)")
    qty = decimal_param(params, "orderQty")
    price = decimal_param(params, "price")
    stop = decimal_param(params, "stopPx")
    peg = decimal_param(params, "pegOffsetValue")
    insts = [i for i in str(params.get("execInst") or "").split(",") if i]
    unknown = [i for i in insts if i not in EXEC_INSTS]
    if unknown:
        raise ParamError(f"Invalid execInst: {unknown[0]}")
    whole = "Close" in insts and qty is None
    side, qty = _side_and_qty(params.get("side"), qty, "Close" in insts, position_qty)
    if not whole and not _on_grid(qty, inst.lot_size):
        raise ParamError(f"Order quantity must be a multiple of lot size: {inst.lot_size}")
    for name, value in (("price", price), ("stopPx", stop)):
        if value is not None and (value <= 0 or not _on_grid(value, inst.tick_size)):
            raise ParamError(f"Invalid {name}: must be a positive multiple of {inst.tick_size}")
    ord_type = _ord_type(params, price, stop)
    peg_type = str(params.get("pegPriceType") or "")
    kind = _kind(ord_type, peg_type, side, price, stop, peg)
    tif_text = str(params.get("timeInForce") or "")
    if tif_text and tif_text not in TIF:
        raise ParamError(f"timeInForce {tif_text} is not supported by this simulator")
    tif = TIF.get(tif_text, TimeInForce.GTC)
    if ord_type == "Market":
        tif_text, tif = "ImmediateOrCancel", TimeInForce.GTC  # engine: markets fill at once
    post_only = "ParticipateDoNotInitiate" in insts
    if post_only and kind is not OrderType.LIMIT:
        raise ParamError("ParticipateDoNotInitiate is only supported on Limit orders here")
    return NewOrder(
        cl_ord_id, side, qty, kind, ord_type,
        price if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None,
        stop, peg, peg_type, tif, tif_text or ("GoodTillCancel" if price else ""),
        ",".join(insts), post_only, bool({"ReduceOnly", "Close"} & set(insts)),
        str(params.get("text") or "Submitted via API."), whole,
    )


def _side_and_qty(side_text: Any, qty: Decimal | None, close: bool, position_qty: Decimal
                  ) -> tuple[Side, Decimal]:
    """Side defaults to Buy, or Sell for a negative orderQty; Close without a qty takes the
    whole position."""
    if side_text not in (None, "", "Buy", "Sell"):
        raise ParamError("Invalid side")
    if qty is not None and qty < 0:
        qty, side_text = -qty, side_text or "Sell"
    if close and qty is None:
        if not side_text:
            raise ParamError("Close orders without orderQty need a side")
        qty = abs(position_qty)
        if qty == 0:  # BitMEX answers this with a Canceled order, not an error
            return (Side.SELL if side_text == "Sell" else Side.BUY), qty
    if qty is None or qty <= 0:
        raise ParamError("Invalid orderQty")
    return (Side.SELL if side_text == "Sell" else Side.BUY), qty


def _kind(ord_type: str, peg_type: str, side: Side, price: Decimal | None,
          stop: Decimal | None, peg: Decimal | None) -> OrderType:
    if peg_type:
        if peg_type != "TrailingStopPeg" or ord_type != "Stop":
            raise ParamError(f"pegPriceType {peg_type} with ordType {ord_type} is not "
                             "supported by this simulator")
        if peg is None or peg == 0 or (peg > 0) != (side is Side.BUY):
            raise ParamError("Invalid pegOffsetValue: a sell stop trails below (negative), "
                             "a buy stop above (positive)")
        return OrderType.TRAILING_STOP
    if ord_type == "Market":
        return OrderType.MARKET
    if ord_type == "Limit":
        if price is None:
            raise ParamError("Invalid price: Limit orders need a price")
        return OrderType.LIMIT
    if ord_type == "Stop":
        if stop is None:
            raise ParamError("Invalid stopPx for ordType")
        return OrderType.STOP_MARKET
    if ord_type == "StopLimit":
        if stop is None or price is None:
            raise ParamError("Invalid stopPx for ordType")
        return OrderType.STOP_LIMIT
    raise ParamError(f"ordType {ord_type} is not supported by this simulator")
