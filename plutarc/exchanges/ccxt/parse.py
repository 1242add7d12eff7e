"""ccxt's unified structures (markets, OHLCV rows, orders, trades, positions, balances) as
our normalised types. Amounts stay in contracts, as ccxt gives them for derivatives; a
contract's size becomes the instrument's multiplier, so one contract-maths module applies.
A payload that lacks what we need raises ``DataError`` naming the field, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from plutarc.errors import DataError
from plutarc.models import (
    Balance,
    Candle,
    Fill,
    Instrument,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from plutarc.models.enums import ContractKind, Liquidity, TimeInForce
from plutarc.models.instrument import to_decimal

STATUS = {
    "open": OrderStatus.NEW,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}


def dec(value: Any, what: str, default: Decimal | None = None) -> Decimal:
    if value is None or value == "":
        if default is None:
            raise DataError(f"venue payload has no {what}")
        return default
    return to_decimal(value if isinstance(value, str | Decimal) else float(value))


def opt_dec(value: Any) -> Decimal | None:
    return None if value is None or value == "" else dec(value, "number")


def instrument(venue: str, market: Mapping[str, Any], amount_in_quote: bool = False) -> Instrument:
    """An Instrument from a ccxt market; ``symbol`` is the venue's own market id.
    ``amount_in_quote``: the venue's amounts are quote currency, not contracts (Deribit's
    inverse futures take USD in multiples of the contract): one unit is worth one quote."""
    kind = ContractKind.INVERSE if market.get("inverse") else ContractKind.LINEAR
    precision = market.get("precision") or {}
    limits = market.get("limits") or {}
    min_amount = (limits.get("amount") or {}).get("min")
    max_lev = (limits.get("leverage") or {}).get("max")
    return Instrument(
        venue=venue,
        symbol=str(market["id"]),
        base=str(market.get("base") or ""),
        quote=str(market.get("quote") or ""),
        settle=str(market.get("settle") or market.get("quote") or ""),
        kind=kind,
        tick_size=dec(precision.get("price"), f"{market['id']} price tick"),
        lot_size=dec(precision.get("amount"), f"{market['id']} amount step"),
        multiplier=Decimal(1) if amount_in_quote else dec(market.get("contractSize"),
                                                           "contract size", Decimal(1)),
        min_qty=dec(min_amount, "min amount", Decimal(0)),
        maker_fee=dec(market.get("maker"), "maker fee", Decimal("0.0002")),
        taker_fee=dec(market.get("taker"), "taker fee", Decimal("0.0005")),
        venue_symbol=str(market.get("symbol") or market["id"]),
        max_leverage=dec(max_lev, "max leverage", Decimal(100)),
    )


def candle(row: list[Any], step_ms: int) -> Candle:
    """One ccxt OHLCV row ``[ts, o, h, l, c, v]`` (ts = open time, as ccxt normalises)."""
    ts, o, h, low, c, v = row[:6]
    return Candle(int(ts), float(o), float(h), float(low), float(c), float(v or 0.0), step_ms)


def order_status(raw: Mapping[str, Any]) -> OrderStatus:
    status = STATUS.get(str(raw.get("status") or "open"), OrderStatus.NEW)
    filled = raw.get("filled") or 0
    if status is OrderStatus.NEW and filled and float(filled) > 0:
        return OrderStatus.PARTIALLY_FILLED  # venues without the state: inferred from fills
    if status is OrderStatus.CANCELED and filled and raw.get("remaining") == 0:
        return OrderStatus.FILLED
    return status


def _order_type(raw: Mapping[str, Any]) -> OrderType:
    trigger = raw.get("triggerPrice") or raw.get("stopPrice")
    kind = str(raw.get("type") or "limit").lower()
    if trigger:  # a trigger price marks a conditional, whatever type the venue reports
        # ccxt may leave the venue's own name ("exchange stop limit" on Gemini)
        return OrderType.STOP_LIMIT if "limit" in kind and raw.get("price") else (
            OrderType.STOP_MARKET)
    return OrderType.MARKET if kind == "market" else OrderType.LIMIT


def order(raw: Mapping[str, Any], symbol: str, known: OrderRequest | None = None) -> Order:
    """An Order from a ccxt order; ``known`` (our journaled request) wins for what we sent."""
    client_id = str(raw.get("clientOrderId") or (known.client_id if known else ""))
    if not client_id:
        raise DataError(f"{symbol}: venue order {raw.get('id')} carries no client id")
    if known is not None:
        request = known
    else:
        kind = _order_type(raw)
        tif = str(raw.get("timeInForce") or "GTC").lower()
        request = OrderRequest(
            client_id=client_id, symbol=symbol, side=Side(str(raw["side"]).lower()),
            type=kind, qty=dec(raw.get("amount"), "order amount"),
            price=opt_dec(raw.get("price")) if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT)
            else None,
            stop_price=opt_dec(raw.get("triggerPrice") or raw.get("stopPrice")),
            post_only=bool(raw.get("postOnly")), reduce_only=bool(raw.get("reduceOnly")),
            time_in_force=TimeInForce(tif) if tif in {"gtc", "ioc", "fok"} else TimeInForce.GTC)
    ts = int(raw.get("timestamp") or 0)
    updated = int(raw.get("lastUpdateTimestamp") or raw.get("lastTradeTimestamp") or ts)
    return Order(request=request, venue_id=str(raw["id"]), status=order_status(raw),
                 filled_qty=dec(raw.get("filled"), "filled", Decimal(0)),
                 avg_price=opt_dec(raw.get("average") or None),  # 0 = none (no fills)
                 created_ms=ts, updated_ms=updated)


def fill(raw: Mapping[str, Any], symbol: str, client_id: str, settle: str) -> Fill:
    fee = raw.get("fee") or {}
    liquidity = Liquidity.MAKER if raw.get("takerOrMaker") == "maker" else Liquidity.TAKER
    return Fill(fill_id=str(raw["id"]), client_id=client_id, venue_order_id=str(raw["order"]),
                symbol=symbol, side=Side(str(raw["side"]).lower()),
                qty=dec(raw.get("amount"), "trade amount"), price=dec(raw.get("price"), "price"),
                fee=dec(fee.get("cost"), "fee", Decimal(0)),
                fee_currency=str(fee.get("currency") or settle), liquidity=liquidity,
                ts_ms=int(raw.get("timestamp") or 0))


def position(raw: Mapping[str, Any], symbol: str) -> Position | None:
    """A net position (None when flat); a short's contracts become a negative qty."""
    contracts = dec(raw.get("contracts"), "contracts", Decimal(0))
    if contracts == 0:
        return None
    sign = -1 if str(raw.get("side") or "long").lower() == "short" else 1
    return Position(symbol=symbol, qty=sign * abs(contracts),
                    entry_price=opt_dec(raw.get("entryPrice")),
                    leverage=dec(raw.get("leverage"), "leverage", Decimal(1)),
                    liquidation_price=opt_dec(raw.get("liquidationPrice")),
                    realised_pnl=dec(raw.get("realizedPnl"), "pnl", Decimal(0)),
                    unrealised_pnl=dec(raw.get("unrealizedPnl"), "pnl", Decimal(0)),
                    ts_ms=int(raw.get("timestamp") or 0))


def balances(raw: Mapping[str, Any], ts_ms: int) -> list[Balance]:
    """Per-coin balances (never summed across coins); coins with nothing are left out."""
    totals = raw.get("total") or {}
    free = raw.get("free") or {}
    out = []
    for coin, total in sorted(totals.items()):
        if total is None or float(total) == 0:
            continue
        out.append(Balance(currency=str(coin), total=dec(total, f"{coin} total"),
                           available=dec(free.get(coin), f"{coin} free", Decimal(0)), ts_ms=ts_ms))
    return out
