"""Fault injection: the adapter survives what venues do wrong, and never resends an order."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from plutarc.errors import (
    AuthenticationError,
    OrderRejected,
    OrderStatusUnknown,
    RateLimited,
    VenueUnavailable,
)
from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig, Credentials
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side

from .conftest import FAST, adapter_for

D = Decimal


def market(cid: str, side: Side = Side.BUY, qty: int = 100) -> OrderRequest:
    return OrderRequest(cid, "BTCUSD", side, OrderType.MARKET, D(qty))


def posts(server: SimServer, path: str = "/api/v1/order") -> list[int]:
    return [status for method, p, status in server.rest.requests
            if method == "POST" and p == path]


@pytest.mark.parametrize("mode", ["hang", "drop"])
async def test_timeout_after_accept_is_looked_up_not_resent(adapter, server, mode):
    server.faults.arm({"kind": "timeout_after_accept", "path": "/api/v1/order",
                       "method": "POST", "mode": mode})
    order = await adapter.place_order(market("doubt-1"))
    assert order.client_id == "doubt-1" and order.status is OrderStatus.FILLED  # a market
    assert server.exchange.accepted_orders == {"doubt-1": 1}
    assert len(posts(server)) <= 1  # the hung request may never be logged; never a second
    assert adapter.latency.get("rest_order_rtt_ms").count == 0  # no answer, no round trip


async def test_order_status_unknown_only_when_the_lookup_fails_too(server):
    venue = adapter_for(server, max_retries=1)
    server.faults.arm({"kind": "timeout_after_accept", "path": "/api/v1/order",
                       "method": "POST"})
    server.faults.arm({"kind": "reject", "status": 503, "path": "/api/v1/order",
                       "method": "GET", "count": 100})
    with pytest.raises(OrderStatusUnknown, match="NOT resent") as raised:
        await venue.place_order(market("doubt-2"))
    assert raised.value.client_id == "doubt-2"
    assert server.exchange.accepted_orders == {"doubt-2": 1}
    await venue.close()


async def test_a_definite_refusal_is_not_retried(adapter, server):
    server.faults.arm({"kind": "reject", "status": 503, "path": "/api/v1/order",
                       "method": "POST"})
    with pytest.raises(VenueUnavailable, match="overloaded"):
        await adapter.place_order(market("busy-1"))
    server.faults.arm({"kind": "reject", "status": 429, "path": "/api/v1/order",
                       "method": "POST", "retry_after_s": 1})
    with pytest.raises(RateLimited) as limited:
        await adapter.place_order(market("busy-2"))
    assert limited.value.retry_after_s == 1
    assert posts(server) == [503, 429]
    assert server.exchange.accepted_orders == {}
    # the venue asked for a pause: the next request waits for it rather than hammering
    started = time.monotonic()
    await adapter.open_orders()
    assert time.monotonic() - started >= 0.8


async def test_rest_delays_short_and_past_the_timeout(adapter, server):
    server.faults.arm({"kind": "delay", "ms": 100, "path": "/api/v1/order", "method": "POST"})
    assert (await adapter.place_order(market("late-1"))).status is OrderStatus.FILLED
    # held longer than our timeout *before* the venue processes it: still in flight when
    # we look it up, so its fate is unknown, and it is not sent again
    server.faults.arm({"kind": "delay", "ms": 900, "path": "/api/v1/order", "method": "POST"})
    with pytest.raises(OrderStatusUnknown, match="not found by clOrdID"):
        await adapter.place_order(market("late-2"))
    await asyncio.sleep(0.6)
    assert server.exchange.accepted_orders == {"late-1": 1, "late-2": 1}


async def test_idempotent_reads_back_off_and_retry(adapter, server):
    server.faults.arm({"kind": "reject", "status": 429, "path": "/api/v1/instrument",
                       "retry_after_s": 0})
    server.faults.arm({"kind": "reject", "status": 503, "path": "/api/v1/instrument",
                       "count": 2})
    assert await adapter.instruments()
    statuses = [s for m, p, s in server.rest.requests if p == "/api/v1/instrument/active"]
    assert statuses == [429, 503, 503, 200]


@pytest.mark.parametrize(("status", "kind"), [(401, AuthenticationError),
                                              (403, AuthenticationError),
                                              (404, OrderRejected)])
async def test_final_errors_are_raised_at_once(adapter, server, status, kind):
    server.faults.arm({"kind": "reject", "status": status, "path": "/api/v1/order",
                       "method": "DELETE", "message": "injected"})
    with pytest.raises(kind, match="injected"):
        await adapter.cancel_order("any")


async def test_resent_client_id_returns_the_existing_order(adapter, server):
    first = await adapter.place_order(market("same-1"))
    again = await adapter.place_order(market("same-1"))
    assert again.venue_id == first.venue_id
    assert server.exchange.accepted_orders == {"same-1": 1}
    with pytest.raises(OrderRejected, match="different order"):
        await adapter.place_order(market("same-1", side=Side.SELL))


async def started(server: SimServer, **changes) -> BitmexAdapter:
    venue = adapter_for(server, **changes)
    await venue.start()
    return venue


async def test_silent_socket_without_pongs_is_replaced(server):
    venue = await started(server)
    fills = venue.stream_fills()
    await venue.wait_streams_live()
    server.faults.arm({"kind": "silence", "seconds": 0.8}, asyncio.get_running_loop().time())
    await asyncio.sleep(1.0)
    assert any("no pong" in r for r in venue.live.private.replacements)
    await venue.wait_streams_live(3)  # fresh partials after the silence
    await venue.place_order(market("after-silence"))
    server.advance(1)
    assert (await asyncio.wait_for(anext(fills), 3)).client_id == "after-silence"
    assert venue.live.private.connects >= 2
    await venue.close()


async def test_topic_silence_with_live_pongs_trips_the_watchdog(server):
    venue = await started(server, watchdog_max_age_s={"tradeBin1m": 0.5})
    candles = venue.stream_candles("BTCUSD", "1m")
    pending = asyncio.ensure_future(anext(candles))
    await asyncio.sleep(0.2)
    server.faults.arm({"kind": "silence", "seconds": 0.7, "pong": True},
                      asyncio.get_running_loop().time())
    server.advance(1)  # this bin is swallowed by the silent socket
    await asyncio.sleep(1.2)
    assert any("tradeBin1m silent" in r for r in venue.live.public.replacements)
    first = await asyncio.wait_for(pending, 3)  # the last closed bin, from the partial
    assert first.close_ts_ms == server.exchange.now_ms - 60_000
    swallowed = await asyncio.wait_for(anext(candles), 3)  # recovered over REST
    assert swallowed.close_ts_ms == server.exchange.now_ms
    await venue.close()


async def test_dropped_sockets_reconnect_reauth_resubscribe(server):
    venue = await started(server)
    fills = venue.stream_fills()
    await venue.wait_streams_live()
    assert server.hub.drop_all() == 1
    await asyncio.sleep(0.3)
    await venue.wait_streams_live()
    await venue.place_order(market("after-drop"))
    server.advance(1)
    assert (await asyncio.wait_for(anext(fills), 3)).client_id == "after-drop"
    session = server.hub.sessions[0]
    assert session.key is not None and {"order", "execution"} <= session.topics
    await venue.close()


async def test_fills_missed_while_down_come_back_over_rest(server):
    venue = await started(server)
    fills = venue.stream_fills()
    await venue.wait_streams_live()
    await venue.place_order(market("while-down"))
    server.faults.arm({"kind": "silence", "seconds": 0.6}, asyncio.get_running_loop().time())
    server.advance(1)  # the execution frame is lost with the silent socket
    fill = await asyncio.wait_for(anext(fills), 4)
    assert fill.client_id == "while-down"
    assert venue.feed.positions.get("BTCUSD").qty == 100
    await venue.close()


async def test_duplicated_and_reordered_frames_do_not_double_fills(server):
    venue = await started(server)
    fills = venue.stream_fills()
    await venue.wait_streams_live()
    server.faults.arm({"kind": "duplicate", "count": 20})
    server.faults.arm({"kind": "reorder", "count": 2})
    for i in range(3):
        await venue.place_order(market(f"dup-{i}"))
    server.advance(1)
    got = [await asyncio.wait_for(anext(fills), 3) for _ in range(3)]
    assert sorted(f.client_id for f in got) == ["dup-0", "dup-1", "dup-2"]
    await asyncio.sleep(0.2)
    assert venue.feed.fills.published == 3
    assert venue.feed.positions.get("BTCUSD").qty == 300
    await venue.close()


async def test_delayed_frames_still_arrive_in_order(server):
    venue = await started(server)
    orders = venue.stream_orders()
    await venue.wait_streams_live()
    server.faults.arm({"kind": "delay", "target": "ws", "ms": 150, "count": 3})
    await venue.place_order(market("slow-1"))
    first = await asyncio.wait_for(anext(orders), 3)
    assert first.client_id == "slow-1" and first.status is OrderStatus.NEW
    await venue.close()


async def test_bad_websocket_credentials_fail_the_private_streams(server):
    config = BitmexConfig(**{**FAST, "rest_url": server.rest_url, "ws_url": server.ws_url})
    venue = BitmexAdapter(config, Credentials(next(iter(server.config.api_keys)), "wrong"))
    fills = venue.stream_fills()
    with pytest.raises(AuthenticationError, match="Signature not valid"):
        await asyncio.wait_for(anext(fills), 3)
    await venue.close()


async def test_a_refused_subscription_is_dropped_not_retried_forever(server):
    venue = adapter_for(server)
    await venue.live.subscribe_public(["quote:XBTUSD", "nosuchtable:XBTUSD"])
    await venue.wait_streams_live(2)
    public = venue.live.public
    assert public.topics == ["quote:XBTUSD"] and "Unknown table" in public.refused[0]
    assert public.replacements == []
    await venue.close()


def test_an_exact_fault_hits_its_endpoint_and_not_the_ones_below_it() -> None:
    from plutarc.exchanges.bitmex_sim.faults import Fault

    prefix = Fault("reject", path="/api/v1/order", method="POST")
    exact = Fault("reject", path="/api/v1/order", method="POST", exact=True)
    assert prefix.matches_rest("POST", "/api/v1/order/cancelAllAfter")
    assert not exact.matches_rest("POST", "/api/v1/order/cancelAllAfter")
    assert exact.matches_rest("POST", "/api/v1/order")
    assert not exact.matches_rest("DELETE", "/api/v1/order")
