"""BitMEX-shaped rows built from the matching engine's state, with BitMEX's money maths.

Money fields are integers in the settlement currency's minor unit, computed from the raw
instrument row (multiplier M, signed contracts q, price P), independently of the adapter:
inverse value = M*q/P, linear and quanto value = M*q*P (long inverse => negative cost, as in
real captures). execComm = |execCost| x fee rate (negative = rebate). Unset enum strings are
"" as in live rows.
"""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from plutarc.exchanges.bitmex.timestamps import ms_to_iso
from plutarc.models import Fill, Liquidity, OrderStatus, Side

WIRE_STATUS = {
    OrderStatus.PENDING: "PendingNew",
    OrderStatus.NEW: "New",
    OrderStatus.PARTIALLY_FILLED: "PartiallyFilled",
    OrderStatus.FILLED: "Filled",
    OrderStatus.CANCELED: "Canceled",
    OrderStatus.REJECTED: "Rejected",
    OrderStatus.EXPIRED: "Expired",
}
TERMINAL = frozenset({"Filled", "Canceled", "Rejected", "Expired"})


def new_id() -> str:
    return str(uuid.uuid4())


def minor(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_EVEN))


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def value_minor(row: dict[str, Any], signed_qty: Decimal, price: Decimal) -> int:
    """execCost / currentCost / markValue of ``signed_qty`` contracts at ``price``."""
    m = Decimal(repr(row["multiplier"])) if isinstance(row["multiplier"], float) else Decimal(
        row["multiplier"]
    )
    if row.get("isInverse"):
        return minor(m * signed_qty / price)
    return minor(m * signed_qty * price)


def notionals(row: dict[str, Any], signed_qty: Decimal, price: Decimal
              ) -> tuple[float | None, float | None]:
    """(homeNotional, foreignNotional): long => home > 0, foreign < 0."""
    if row.get("isInverse"):
        return float(signed_qty / price), float(-signed_qty)
    per_base = row.get("underlyingToPositionMultiplier")
    if row.get("isQuanto") or not per_base:
        return None, None
    base = signed_qty / Decimal(per_base)
    return float(base), float(-base * price)


def order_row(
    *,
    order_id: str,
    cl_ord_id: str,
    account: int,
    inst: dict[str, Any],
    side: Side,
    order_qty: Decimal,
    ord_type: str,
    price: Decimal | None,
    stop_px: Decimal | None,
    peg_offset: Decimal | None,
    peg_type: str,
    time_in_force: str,
    exec_inst: str,
    status: str,
    cum_qty: Decimal,
    avg_px: Decimal | None,
    text: str,
    transact_ms: int,
    now_ms: int,
) -> dict[str, Any]:
    working = status not in TERMINAL
    return {
        "orderID": order_id,
        "clOrdID": cl_ord_id,
        "clOrdLinkID": "",
        "account": account,
        "symbol": inst["symbol"],
        "side": "Buy" if side is Side.BUY else "Sell",
        "simpleOrderQty": None,
        "orderQty": _num(order_qty),
        "price": _num(price),
        "displayQty": None,
        "stopPx": _num(stop_px),
        "pegOffsetValue": _num(peg_offset),
        "pegPriceType": peg_type,
        "currency": inst.get("quoteCurrency"),
        "settlCurrency": inst.get("settlCurrency"),
        "ordType": ord_type,
        "timeInForce": time_in_force,
        "execInst": exec_inst,
        "contingencyType": "",
        "exDestination": "XBME",
        "ordStatus": status,
        "triggered": "",
        "workingIndicator": working,
        "ordRejReason": "",
        "simpleLeavesQty": None,
        "leavesQty": _num(order_qty - cum_qty) if working else 0,
        "simpleCumQty": None,
        "cumQty": _num(cum_qty),
        "avgPx": _num(avg_px),
        "multiLegReportingType": "SingleSecurity",
        "text": text,
        "transactTime": ms_to_iso(transact_ms),
        "timestamp": ms_to_iso(now_ms),
    }


def execution_row(
    order: dict[str, Any],
    inst: dict[str, Any],
    exec_type: str,
    now_ms: int,
    *,
    fill: Fill | None = None,
    rate: Decimal | None = None,
) -> dict[str, Any]:
    """An execution report for ``order`` (its row after the event)."""
    row = {k: order[k] for k in (
        "orderID", "clOrdID", "clOrdLinkID", "account", "symbol", "side", "simpleOrderQty",
        "orderQty", "price", "displayQty", "stopPx", "pegOffsetValue", "pegPriceType",
        "currency", "settlCurrency", "ordType", "timeInForce", "execInst", "contingencyType",
        "exDestination", "ordStatus", "triggered", "workingIndicator", "ordRejReason",
        "simpleLeavesQty", "leavesQty", "simpleCumQty", "cumQty", "avgPx",
        "multiLegReportingType", "text")}
    row.update(
        execID=new_id(), execType=exec_type, lastQty=None, lastPx=None, underlyingLastPx=None,
        lastMkt="", lastLiquidityInd="", commission=None, tradePublishIndicator="",
        trdMatchID="00000000-0000-0000-0000-000000000000", execCost=None, execComm=None,
        homeNotional=None, foreignNotional=None,
        # stamped when the replay clock matched it (the bar's close), like a live observer
        transactTime=ms_to_iso(now_ms), timestamp=ms_to_iso(now_ms),
    )
    if fill is not None:
        signed = fill.qty if fill.side is Side.BUY else -fill.qty
        cost = value_minor(inst, signed, fill.price)
        home, foreign = notionals(inst, signed, fill.price)
        row.update(
            lastQty=_num(fill.qty), lastPx=_num(fill.price), lastMkt="XBME",
            lastLiquidityInd="AddedLiquidity" if fill.liquidity is Liquidity.MAKER
            else "RemovedLiquidity",
            commission=float(rate) if rate is not None else None,
            tradePublishIndicator="PublishTrade", trdMatchID=new_id(), execCost=cost,
            execComm=minor(abs(Decimal(cost)) * (rate or Decimal(0))),
            homeNotional=home, foreignNotional=foreign,
        )
    return row


def changed_fields(old: dict[str, Any], new: dict[str, Any], keys: tuple[str, ...]
                   ) -> dict[str, Any]:
    """An update row: the keys plus the fields whose value changed."""
    delta = {k: new[k] for k in keys if k in new}
    for k, v in new.items():
        if old.get(k) != v:
            delta[k] = v
    return delta
