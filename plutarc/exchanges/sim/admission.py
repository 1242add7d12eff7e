"""Order admission: tick/lot rounding and the checks a venue makes before it accepts an order."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from plutarc.errors import InsufficientFunds, OrderRejected
from plutarc.models import Instrument, OrderRequest, OrderType, Side, TimeInForce
from plutarc.models import contract_math as cm

ZERO = Decimal(0)
_PRICED = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_STOPPED = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


def normalise(inst: Instrument, request: OrderRequest,
              whole_position: Decimal | None = None) -> OrderRequest:
    """``request`` with its quantity rounded down to the lot, its limit price rounded away
    from the market (bids down, asks up) and its stop price and trail offset to the nearest
    tick. Raises OrderRejected for what no rounding can fix. A reduce-only order of exactly
    ``whole_position`` (a venue's whole-position close) keeps its quantity as it is."""
    cid = request.client_id
    if request.symbol != inst.symbol:
        raise OrderRejected(f"order {cid}: symbol {request.symbol!r} is not {inst.symbol!r}")
    if request.time_in_force is not TimeInForce.GTC:
        if request.type is not OrderType.LIMIT:
            raise OrderRejected(
                f"order {cid}: time in force {request.time_in_force} is only for limit orders"
            )
        if request.post_only:
            raise OrderRejected(f"order {cid}: a post-only order cannot be {request.time_in_force}")
    whole = (whole_position is not None and request.reduce_only
             and request.qty == abs(whole_position))
    qty = request.qty if whole else inst.round_qty(request.qty)
    if qty <= 0 or (qty < inst.min_qty and not whole):
        raise OrderRejected(
            f"order {cid}: quantity {request.qty} rounds to {qty} at lot {inst.lot_size}, "
            f"below the minimum {max(inst.min_qty, inst.lot_size)} for {inst.symbol}"
        )
    price = request.price
    if price is not None and request.type in _PRICED:
        price = inst.round_price_passive(price, request.side)
        if price <= 0:
            raise OrderRejected(f"order {cid}: limit price {request.price} is not positive")
    stop = request.stop_price
    if stop is not None:
        stop = inst.round_price(stop)
        if stop <= 0:
            raise OrderRejected(f"order {cid}: stop price {request.stop_price} is not positive")
    offset = request.trail_offset
    if request.type is OrderType.TRAILING_STOP and offset is not None:
        offset = inst.round_price(offset)
        if offset <= 0:
            raise OrderRejected(
                f"order {cid}: trail offset {request.trail_offset} < tick {inst.tick_size}"
            )
    if (qty, price, stop, offset) == (
        request.qty,
        request.price,
        request.stop_price,
        request.trail_offset,
    ):
        return request
    return replace(request, qty=qty, price=price, stop_price=stop, trail_offset=offset)


def check_post_only(request: OrderRequest, price: Decimal, last_close: float | None) -> None:
    """A post-only order at or through the last close would (or might) take: refuse it."""
    if last_close is None:
        return
    crosses = float(price) >= last_close if request.side is Side.BUY else float(price) <= last_close
    if crosses:
        raise OrderRejected(
            f"order {request.client_id}: post-only {request.side} at {price} would take "
            f"liquidity (last price {last_close})"
        )


def check_reduce_only(request: OrderRequest, position_qty: Decimal) -> None:
    if position_qty == 0:
        raise OrderRejected(f"order {request.client_id}: reduce-only with no open position")
    if (position_qty > 0) == (request.side is Side.BUY):
        held = "long" if position_qty > 0 else "short"
        raise OrderRejected(
            f"order {request.client_id}: reduce-only {request.side} would grow the {held} position"
        )


def opening_qty(request: OrderRequest, position_qty: Decimal) -> Decimal:
    """The part of ``request`` that would open new exposure (the rest only reduces)."""
    if request.reduce_only:
        return ZERO
    if position_qty == 0 or (position_qty > 0) == (request.side is Side.BUY):
        return request.qty
    return max(ZERO, request.qty - abs(position_qty))


def margin_needed(
    inst: Instrument,
    request: OrderRequest,
    opening: Decimal,
    last_close: float | None,
    leverage: Decimal,
    taker_rate: Decimal,
) -> Decimal:
    """Initial margin plus a taker fee for the opening part, priced at the order's own price
    (limit or stop) or the last close; zero when no price is known yet."""
    if opening <= 0:
        return ZERO
    price = request.price if request.type in _PRICED else request.stop_price
    if price is None:
        if last_close is None:
            return ZERO
        price = Decimal(repr(last_close))
    return cm.initial_margin(inst, opening, price, leverage) + cm.fee(
        inst, opening, price, taker_rate
    )


def check_funds(request: OrderRequest, needed: Decimal, available: Decimal, currency: str) -> None:
    if needed > available:
        raise InsufficientFunds(
            f"order {request.client_id}: needs {needed:.8f} {currency} of margin and fees, "
            f"{max(available, ZERO):.8f} {currency} is available"
        )
