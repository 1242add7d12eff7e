"""A whole position closed by the venue's own close endpoint (ccxt ``close_position``).

Only venues whose profile names ``close_client_id_param`` have one with a venue endpoint
behind it (OKX: POST /api/v5/trade/close-position, a market close of the whole position
whatever its size, so it also takes dust below the minimum order). The endpoint answers
with our client id but no order id, so the order is then looked up by client id; an answer
that never came is looked up the same way, and an order still not found is in doubt
(``OrderStatusUnknown``), never resent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from plutarc.errors import OrderRejected, OrderStatusUnknown
from plutarc.exchanges.ccxt import parse
from plutarc.exchanges.ccxt.errors import map_placement_error
from plutarc.models import Order, OrderRequest, OrderType, Side

if TYPE_CHECKING:
    from plutarc.exchanges.ccxt.adapter import CcxtVenue


async def close_position(venue: CcxtVenue, client_id: str, symbol: str) -> Order | None:
    """Close ``symbol``'s whole position at market under ``client_id``; None when flat."""
    param = venue.profile.close_client_id_param
    if not param:
        raise OrderRejected(f"{venue.name} has no whole-position close endpoint; a position "
                            "below the minimum order cannot be closed through plutarc")
    market = await venue.market(symbol)
    unified = str(market["symbol"])
    row = await _position_row(venue, unified)
    held = parse.position(row, symbol) if row is not None else None
    if held is None or held.is_flat:
        return None
    side = Side.SELL if held.qty > 0 else Side.BUY
    request = OrderRequest(client_id, symbol, side, OrderType.MARKET, abs(held.qty),
                           reduce_only=True, tag="close")
    venue.book.requests[client_id] = request  # the lookups below know its symbol
    params: dict[str, Any] = {param: venue.orders.wire(client_id)}
    if row.get("marginMode"):  # the position's own margin mode: the venue checks it
        params["marginMode"] = row["marginMode"]
    try:
        await venue.exchange.close_position(unified, None, params)  # net mode: no side
    except Exception as exc:  # mapped once; a lost answer is looked up, never resent
        error = map_placement_error(venue.name, exc, client_id,
                                    ban_is_final=venue.profile.ban_is_final)
        if not isinstance(error, OrderStatusUnknown):
            raise error from None
        found = await venue.orders.lookup(client_id)
        if found is None:
            raise error from None
        return found
    found = await venue.orders.lookup(client_id)
    if found is None:  # accepted, yet not (yet) listed: in doubt, the bot's start finds it
        raise OrderStatusUnknown(f"{venue.name}: the close {client_id} was accepted but no "
                                 "order is found under its client id", client_id)
    return found


async def _position_row(venue: CcxtVenue, unified: str) -> dict[str, Any] | None:
    """The venue's raw position row for ``unified`` (ccxt's structure), if it holds one."""
    for query in venue._account_queries():
        for row in await venue.profile.hooks.position_rows(venue, [unified], query):
            if row.get("symbol") == unified and Decimal(str(row.get("contracts") or 0)):
                return row
    return None
