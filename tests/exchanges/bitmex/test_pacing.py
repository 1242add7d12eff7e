"""Issue 14 item 3: rate-limit pacing waits for the next token of a continuously refilling
bucket, and cancels, Close orders and protective stops never wait behind entries."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from plutarc.errors import AuthenticationError, VenueUnavailable
from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig, Credentials
from plutarc.exchanges.bitmex.ratelimit import Lane, RateLimitState
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.exchanges.bitmex_sim.config import EXAMPLE_API_KEY
from plutarc.models import OrderRequest, OrderType, Side

from .conftest import FAST, adapter_for, sim_config

D = Decimal


def test_the_one_second_order_layer_paces_order_routes_only():
    state = RateLimitState()
    state.update({"x-ratelimit-limit": "120", "x-ratelimit-remaining": "100",
                  "x-ratelimit-reset": "1001", "x-ratelimit-remaining-1s": "0"}, 1000.0)
    assert state.wait_s(1000.0, lane=Lane.PRIORITY, order_route=True) == pytest.approx(0.1)
    assert state.wait_s(1000.0, lane=Lane.PRIORITY) == 0  # a read is not an order route
    # an answer from a read carries no -1s header: the order layer's count stands
    state.update({"x-ratelimit-limit": "120", "x-ratelimit-remaining": "99",
                  "x-ratelimit-reset": "1001"}, 1000.0)
    assert state.remaining_1s == 0
    assert state.wait_s(1000.1, order_route=True) == 0  # refilled after 0.1 s


def test_an_overload_pause_holds_entries_not_cancels_and_stops():
    state = RateLimitState()
    state.overloaded(1030.0)
    assert state.wait_s(1000.0) == 30
    assert state.wait_s(1000.0, lane=Lane.PRIORITY) == 0


def stop_request(cid: str) -> OrderRequest:
    return OrderRequest(cid, "BTCUSD", Side.SELL, OrderType.STOP_MARKET, D(100),
                        stop_price=D(1000))


def entry(cid: str) -> OrderRequest:
    return OrderRequest(cid, "BTCUSD", Side.BUY, OrderType.MARKET, D(100))


def order_posts(srv: SimServer) -> list[tuple[str, int]]:
    return [(m, s) for m, p, s in srv.rest.requests if p == "/api/v1/order" and m != "GET"]


async def test_a_stop_goes_out_ahead_of_an_entry_when_the_bucket_is_drained():
    # 12 requests a minute: a token every 5 s, so an entry visibly waits for its token
    async with SimServer(sim_config(rate_limit_per_minute=12)) as srv:
        venue = adapter_for(srv)
        try:
            await venue.instruments()
            loop = asyncio.get_running_loop()
            state = venue.http.rate_limit
            while state.tokens(loop.time()) is None or state.tokens(loop.time()) >= 3:
                await venue.open_orders()  # signed reads drain the key's bucket
            assert state.wait_s(loop.time()) > 0 and state.wait_s(
                loop.time(), lane=Lane.PRIORITY) == 0
            pending = asyncio.create_task(venue.place_order(entry("entry-1")))
            await asyncio.sleep(0)  # the entry is now waiting for its token
            stop = await asyncio.wait_for(venue.place_order(stop_request("stop-1")), 5)
            assert stop.client_id == "stop-1"
            assert order_posts(srv) == [("POST", 200)]  # the stop only: the entry still waits
            assert srv.exchange.accepted_orders == {"stop-1": 1}
            assert not pending.done()
            pending.cancel()
            with pytest.raises(asyncio.CancelledError):
                await pending
            assert srv.exchange.accepted_orders == {"stop-1": 1}  # never sent
        finally:
            await venue.close()


async def test_a_503_overload_pause_does_not_block_a_cancel(server):
    venue = adapter_for(server, overload_backoff_s=30.0)
    try:
        resting = OrderRequest("rest-1", "BTCUSD", Side.BUY, OrderType.LIMIT, D(100),
                               price=D(20000))
        await venue.place_order(resting)
        server.faults.arm({"kind": "reject", "status": 503, "path": "/api/v1/order",
                           "exact": True, "method": "POST"})
        with pytest.raises(VenueUnavailable, match="overloaded"):
            await venue.place_order(entry("entry-2"))
        now = asyncio.get_running_loop().time()
        assert venue.http.rate_limit.wait_s(now) > 20  # entries pause for the venue
        canceled = await asyncio.wait_for(venue.cancel_order("rest-1"), 5)
        assert canceled.client_id == "rest-1"
        assert (await asyncio.wait_for(venue.place_order(stop_request("stop-2")), 5)).venue_id
    finally:
        await venue.close()


async def test_refused_requests_carry_rate_limit_headers(server):
    config = BitmexConfig(**FAST, rest_url=server.rest_url, ws_url=server.ws_url)
    bad = BitmexAdapter(config, Credentials(EXAMPLE_API_KEY, "not-the-secret"))
    try:
        with pytest.raises(AuthenticationError):
            await bad.open_orders()
        assert bad.http.rate_limit.limit == 120  # the headers came with the 401
        assert bad.http.rate_limit.remaining is not None
    finally:
        await bad.close()
