"""Wire -> plutarc types for trading: orders, fills, positions, balances.

Every enum-like string is checked: an unknown value fails loudly ("unrecognised BitMEX
ordStatus: 'Foo'") instead of being guessed. Empty strings and nulls both mean "unset"
(live rows send "", some fixtures null). Money is converted from integer minor units with
Decimal, per currency, never summed across coins.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

from plutarc.errors import DataError
from plutarc.exchanges.bitmex.parse_market import currency, minor_to_decimal
from plutarc.exchanges.bitmex.schemas import WireExecution, WireMargin, WireOrder, WirePosition
from plutarc.exchanges.bitmex.timestamps import iso_to_ms
from plutarc.models import (
    Balance,
    Fill,
    FillKind,
    Instrument,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
    TimeInForce,
    to_decimal,
)

_V = TypeVar("_V")

SIDES = {"Buy": Side.BUY, "Sell": Side.SELL}
WIRE_SIDES = {Side.BUY: "Buy", Side.SELL: "Sell"}
ORD_STATUS = {
    "New": OrderStatus.NEW,
    "PendingNew": OrderStatus.PENDING,
    "PartiallyFilled": OrderStatus.PARTIALLY_FILLED,
    "Filled": OrderStatus.FILLED,
    "Canceled": OrderStatus.CANCELED,
    "Rejected": OrderStatus.REJECTED,
    "Expired": OrderStatus.EXPIRED,
    "DoneForDay": OrderStatus.EXPIRED,
    # still working: reported as New / PartiallyFilled from cumQty
    "PendingCancel": None,
    "PendingReplace": None,
    "Untriggered": None,
    "Triggered": None,
    "Stopped": None,
}
# Trigger and pegged orders placed by hand map to the nearest plutarc type.
ORD_TYPES = {
    "Market": OrderType.MARKET,
    "Limit": OrderType.LIMIT,
    "Stop": OrderType.STOP_MARKET,
    "StopLimit": OrderType.STOP_LIMIT,
    "MarketIfTouched": OrderType.STOP_MARKET,
    "LimitIfTouched": OrderType.STOP_LIMIT,
    "Pegged": OrderType.LIMIT,
}
TIME_IN_FORCE = {
    "GoodTillCancel": TimeInForce.GTC,
    "Day": TimeInForce.GTC,
    "ImmediateOrCancel": TimeInForce.IOC,
    "FillOrKill": TimeInForce.FOK,
}
WIRE_TIME_IN_FORCE = {
    TimeInForce.GTC: "GoodTillCancel",
    TimeInForce.IOC: "ImmediateOrCancel",
    TimeInForce.FOK: "FillOrKill",
}
LIQUIDITY = {
    "AddedLiquidity": Liquidity.MAKER,
    "Added": Liquidity.MAKER,
    "RemovedLiquidity": Liquidity.TAKER,
    "Removed": Liquidity.TAKER,
}
PEG_PRICE_TYPES = frozenset(
    {"LastPeg", "OpeningPeg", "MidPricePeg", "MarketPeg", "PrimaryPeg", "PegToVWAP",
     "TrailingStopPeg", "PegToLimitPrice", "ShortSaleMinPricePeg"}
)
EXEC_TYPES = frozenset(
    {"New", "Trade", "Canceled", "CancelReject", "Replaced", "Rejected", "AmendReject",
     "Funding", "Settlement", "Suspended", "Released", "Insurance", "Rebalance", "Liquidation",
     "Bankruptcy", "TrialFill", "TriggeredOrActivatedBySystem", "Restated"}
)
# execTypes that move the position: a trade of an order, or the liquidation engine taking it
# over (its rows carry the liquidation engine's order, never our clOrdID).
FILL_KINDS = {
    "Trade": FillKind.TRADE,
    "Liquidation": FillKind.LIQUIDATION,
    "Bankruptcy": FillKind.BANKRUPTCY,
}
EXEC_INSTS = frozenset(
    {"ParticipateDoNotInitiate", "AllOrNone", "MarkPrice", "IndexPrice", "LastPrice", "Close",
     "ReduceOnly", "Fixed", "LastWithinMark"}
)


def enum_value(table: dict[str, _V], value: str | None, what: str) -> _V:
    try:
        return table[value]  # type: ignore[index]
    except KeyError:
        raise DataError(f"unrecognised BitMEX {what}: {value!r}") from None


def exec_instructions(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset()
    parts = frozenset(text.split(","))
    unknown = parts - EXEC_INSTS
    if unknown:
        raise DataError(f"unrecognised BitMEX execInst: {sorted(unknown)[0]!r}")
    return parts


def client_id_of(cl_ord_id: str | None, order_id: str | None) -> str:
    """Orders placed outside plutarc have no clOrdID; they are keyed by the venue id."""
    return cl_ord_id or f"bitmex:{order_id}"


def _dec(value: float | int | None) -> Decimal | None:
    return None if value is None else to_decimal(value)


def _order_type(w: WireOrder) -> OrderType:
    peg = w.pegPriceType or ""
    if peg and peg not in PEG_PRICE_TYPES:
        raise DataError(f"unrecognised BitMEX pegPriceType: {peg!r}")
    if peg == "TrailingStopPeg":
        return OrderType.TRAILING_STOP
    return enum_value(ORD_TYPES, w.ordType, "ordType")


def _request_from_wire(w: WireOrder, symbol: str, known: OrderRequest | None) -> OrderRequest:
    side = enum_value(SIDES, w.side, "side")
    kind = _order_type(w)
    insts = exec_instructions(w.execInst)
    tif = (
        enum_value(TIME_IN_FORCE, w.timeInForce, "timeInForce")
        if w.timeInForce
        else TimeInForce.GTC
    )
    qty = _dec(w.orderQty) or Decimal(0)
    if qty <= 0:
        qty = (_dec(w.cumQty) or Decimal(0)) + (_dec(w.leavesQty) or Decimal(0))
    if qty <= 0 and known is not None:
        qty = known.qty
    has_price = kind in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    has_stop = kind in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP)
    fields = {
        "qty": qty,
        "price": _dec(w.price) if has_price else None,
        "stop_price": _dec(w.stopPx) if has_stop else None,
        "trail_offset": abs(to_decimal(w.pegOffsetValue))
        if kind is OrderType.TRAILING_STOP and w.pegOffsetValue is not None
        else None,
    }
    if known is not None and (known.side is not side or known.symbol != symbol):
        known = None  # not the order we sent under this id: trust the venue's row
    if known is not None:
        if kind is OrderType.TRAILING_STOP and fields["trail_offset"] is None:
            fields["trail_offset"] = known.trail_offset
        return replace(known, **fields)
    return OrderRequest(
        client_id=client_id_of(w.clOrdID, w.orderID),
        symbol=symbol,
        side=side,
        type=kind,
        post_only="ParticipateDoNotInitiate" in insts and kind is OrderType.LIMIT,
        reduce_only=bool(insts & {"ReduceOnly", "Close"}),
        time_in_force=tif,
        **fields,
    )


def order_from_wire(w: WireOrder, symbol: str, known: OrderRequest | None = None) -> Order:
    """Our Order from a full order row; ``known`` is the request we sent, when we sent it."""
    if not w.orderID:
        raise DataError("BitMEX order row without orderID")
    status = enum_value(ORD_STATUS, w.ordStatus, "ordStatus")
    filled = _dec(w.cumQty) or Decimal(0)
    if status is None:
        status = OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.NEW
    try:
        request = _request_from_wire(w, symbol, known)
    except ValueError as exc:
        raise DataError(f"BitMEX order {w.orderID}: {exc}") from None
    reason = w.ordRejReason or ((w.text or "") if status is OrderStatus.REJECTED else "")
    return Order(
        request=request,
        venue_id=w.orderID,
        status=status,
        filled_qty=filled,
        avg_price=_dec(w.avgPx) if filled > 0 else None,
        created_ms=iso_to_ms(w.transactTime) if w.transactTime else 0,
        updated_ms=iso_to_ms(w.timestamp) if w.timestamp else 0,
        reject_reason=reason,
    )


def check_exec_type(w: WireExecution) -> str:
    if w.execType not in EXEC_TYPES:
        raise DataError(f"unrecognised BitMEX execType: {w.execType!r}")
    return w.execType  # type: ignore[return-value]


def fill_from_wire(
    w: WireExecution, inst: Instrument, currencies: dict[str, tuple[str, int]], tag: str = ""
) -> Fill:
    """A Fill from a trade, liquidation or bankruptcy execution; the fee is execComm
    (negative = rebate) in settle units. A forced fill without a liquidity flag is a taker."""
    exec_type = check_exec_type(w)
    kind = FILL_KINDS.get(exec_type, FillKind.TRADE)  # e.g. Settlement, when configured
    if w.lastQty is None or w.lastPx is None:
        raise DataError(f"BitMEX execution {w.execID}: lastQty/lastPx missing")
    fee_currency, divisor = currency(w.settlCurrency or _wire_settle(inst, currencies), currencies)
    liquidity = (Liquidity.TAKER if kind.forced and not w.lastLiquidityInd
                 else enum_value(LIQUIDITY, w.lastLiquidityInd, "lastLiquidityInd"))
    return Fill(
        fill_id=w.execID,
        client_id=client_id_of(w.clOrdID, w.orderID),
        venue_order_id=w.orderID or "",
        symbol=inst.symbol,
        side=enum_value(SIDES, w.side, "side"),
        qty=to_decimal(w.lastQty),
        price=to_decimal(w.lastPx),
        fee=minor_to_decimal(w.execComm, divisor),
        fee_currency=fee_currency,
        liquidity=liquidity,
        ts_ms=iso_to_ms(w.transactTime or w.timestamp or ""),
        tag=tag,
        extra={"exec_type": exec_type, "venue_symbol": inst.venue_symbol},
        kind=kind,
    )


def _wire_settle(inst: Instrument, currencies: dict[str, tuple[str, int]]) -> str:
    for code, (ours, _divisor) in currencies.items():
        if ours == inst.settle:
            return code
    raise DataError(f"no BitMEX currency maps to {inst.settle}")


def position_from_wire(
    w: WirePosition, symbol: str, currencies: dict[str, tuple[str, int]]
) -> Position:
    """A Position from a full position row; PnL from minor units of the row's currency."""
    _code, divisor = currency(w.currency, currencies)
    qty = to_decimal(w.currentQty or 0)
    entry = w.avgEntryPrice if qty != 0 else None
    liquidation = w.liquidationPrice if qty != 0 and w.liquidationPrice else None
    return Position(
        symbol=symbol,
        qty=qty,
        entry_price=_dec(entry),
        leverage=to_decimal(w.leverage) if w.leverage else Decimal(1),
        liquidation_price=_dec(liquidation),
        realised_pnl=minor_to_decimal(w.realisedPnl, divisor),
        unrealised_pnl=minor_to_decimal(w.unrealisedPnl, divisor),
        ts_ms=iso_to_ms(w.timestamp) if w.timestamp else 0,
    )


def balance_from_wire(w: WireMargin, currencies: dict[str, tuple[str, int]]) -> Balance:
    """Wallet balance and available margin in one currency."""
    code, divisor = currency(w.currency, currencies)
    return Balance(
        currency=code,
        total=minor_to_decimal(w.walletBalance, divisor),
        available=minor_to_decimal(w.availableMargin, divisor),
        ts_ms=iso_to_ms(w.timestamp) if w.timestamp else 0,
    )
