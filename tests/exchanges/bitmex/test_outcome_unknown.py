"""Issue 14 item 2: a placement whose outcome is unknown is looked up by clOrdID, never
resent, and never taken for "not placed" or "rejected"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.errors import OrderRejected, OrderStatusUnknown, VenueUnavailable
from plutarc.exchanges.bitmex.errors import RequestOutcomeUnknown, error_from_response
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side

D = Decimal
ORDER = {"path": "/api/v1/order", "exact": True, "method": "POST"}


def market(cid: str, side: Side = Side.BUY, qty: int = 100) -> OrderRequest:
    return OrderRequest(cid, "BTCUSD", side, OrderType.MARKET, D(qty))


def posts(server: SimServer) -> list[int]:
    return [s for m, p, s in server.rest.requests if m == "POST" and p == "/api/v1/order"]


@pytest.mark.parametrize("status", [502, 504, 520, 524])
async def test_a_gateway_error_after_accept_is_looked_up_not_resent(adapter, server, status):
    server.faults.arm({"kind": "error_after_accept", "status": status, **ORDER})
    order = await adapter.place_order(market(f"gw-{status}"))
    assert order.client_id == f"gw-{status}" and order.status is not OrderStatus.REJECTED
    assert server.exchange.accepted_orders == {f"gw-{status}": 1}
    assert posts(server) == [status]  # one POST: the order was never sent again


async def test_a_dropped_link_after_accept_is_looked_up(adapter, server):
    server.faults.arm({"kind": "timeout_after_accept", "mode": "drop", **ORDER})
    order = await adapter.place_order(market("drop-1"))
    assert order.venue_id and server.exchange.accepted_orders == {"drop-1": 1}


async def test_a_proxy_503_is_in_doubt_but_the_overload_503_is_not_placed(adapter, server):
    # a 503 without BitMEX's "overloaded" text (a proxy's page) may follow an accepted order
    server.faults.arm({"kind": "reject", "status": 503, "message": "Service Unavailable",
                       **ORDER})
    with pytest.raises(OrderStatusUnknown, match="NOT resent"):
        await adapter.place_order(market("proxy-503"))
    # BitMEX's own load shedding says the order was not executed: a plain temporary error
    server.faults.arm({"kind": "reject", "status": 503, **ORDER})
    with pytest.raises(VenueUnavailable, match="overloaded") as raised:
        await adapter.place_order(market("shed-503"))
    assert not isinstance(raised.value, (RequestOutcomeUnknown, OrderStatusUnknown))
    assert posts(server) == [503, 503]


async def test_duplicate_clordid_with_an_empty_lookup_is_in_doubt_not_rejected(adapter, server):
    server.faults.arm({"kind": "reject", "status": 400, "message": "Duplicate clOrdID", **ORDER})
    with pytest.raises(OrderStatusUnknown) as raised:
        await adapter.place_order(market("dup-empty"))
    assert not isinstance(raised.value, OrderRejected)
    assert raised.value.client_id == "dup-empty"
    assert posts(server) == [400]


async def test_duplicate_clordid_matches_qty_and_price_not_just_side(adapter, server):
    first = await adapter.place_order(market("dup-1", qty=100))
    assert (await adapter.place_order(market("dup-1", qty=100))).venue_id == first.venue_id
    with pytest.raises(OrderRejected, match="qty 100 there, 200 ours"):
        await adapter.place_order(market("dup-1", qty=200))
    limit = OrderRequest("dup-2", "BTCUSD", Side.BUY, OrderType.LIMIT, D(100), price=D(30000))
    await adapter.place_order(limit)
    moved = OrderRequest("dup-2", "BTCUSD", Side.BUY, OrderType.LIMIT, D(100), price=D(29000))
    with pytest.raises(OrderRejected, match="price"):
        await adapter.place_order(moved)
    assert server.exchange.accepted_orders == {"dup-1": 1, "dup-2": 1}


@pytest.mark.parametrize(("status", "verb", "unknown"), [
    (502, "POST", True), (504, "PUT", True), (500, "POST", True), (522, "POST", True),
    (502, "GET", False), (504, "DELETE", False),
])
def test_5xx_on_an_order_write_means_outcome_unknown(status, verb, unknown):
    body = b"<html><body><h1>Gateway error</h1></body></html>"
    error = error_from_response(status, body, {}, verb=verb, path="/order", now_s=0)
    assert isinstance(error, VenueUnavailable)
    assert isinstance(error, RequestOutcomeUnknown) is unknown
