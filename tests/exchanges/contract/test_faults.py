"""The Venue contract when things go wrong, the same checks on every venue: a refused order,
a wrong key and a rate limit are our typed errors and change nothing; an order whose answer
was lost is OrderStatusUnknown and is found by our client id, sent once; a venue clock far
from ours is measured and signed requests pass; a venue that drops every connection and
comes back is survived, and a fill made after it arrives on the fill stream once. Only
capabilities and profiles decide what differs; no check names a venue."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from plutarc.errors import (
    AuthenticationError,
    FinalVenueError,
    InsufficientFunds,
    OrderRejected,
    OrderStatusUnknown,
    RateLimited,
    TemporaryError,
)
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.contract.cases import Case
from tests.exchanges.contract.helpers import last_price, resting

AHEAD_MS = 45_000  # far outside every timestamp window here (5 s to 30 s), inside Deribit's


def test_a_refused_order_is_our_typed_error_and_changes_nothing(venue: Case) -> None:
    """A reused client id where the venue refuses one (OrderRejected); elsewhere (labels
    that are not unique, or a resent id answered with its order) an order far over the
    account's margin (InsufficientFunds, or OrderRejected where the size itself is out of
    the venue's bounds)."""
    cid = "f1-dup"

    async def body(v):  # noqa: ANN001, ANN202
        inst = await v.instrument(venue.symbol)
        request = resting(OrderType.LIMIT, cid, inst, venue.qty, await last_price(v,
                                                                               venue.symbol))
        first = await v.place_order(request)
        if not venue.unique_client_ids:
            request = OrderRequest(cid + "-big", venue.symbol, Side.BUY, OrderType.LIMIT,
                                   venue.qty * 10**7, price=request.price)
        with pytest.raises((OrderRejected, InsufficientFunds)) as refused:
            await v.place_order(request)
        listed = [o for o in await v.open_orders(venue.symbol) if o.client_id.startswith(cid)]
        await v.cancel_order(cid)
        return first, refused.value, listed
    first, refused, listed = venue.run(body)
    if venue.unique_client_ids:
        assert type(refused) is OrderRejected
    assert [o.venue_id for o in listed] == [first.venue_id]  # still the one first order


def test_a_wrong_key_is_an_authentication_error(venue: Case) -> None:
    async def body(v):  # noqa: ANN001, ANN202
        return await v.balances()
    with pytest.raises(AuthenticationError):
        venue.run(body, wrong_key=True)


def test_a_rate_limited_order_is_not_placed_and_goes_through_when_sent_again(
        venue: Case) -> None:
    cid = "f2-limited"

    async def body(v):  # noqa: ANN001, ANN202
        inst = await v.instrument(venue.symbol)
        request = resting(OrderType.LIMIT, cid, inst, venue.qty,
                          await last_price(v, venue.symbol))
        if not venue.rate_limit_next():
            pytest.skip(f"the local {venue.name} server gives no rate-limit answer yet")
        with pytest.raises(RateLimited) as limited:
            await v.place_order(request)
        never = await v.order_by_client_id(cid)
        # the caller backs off retry_after_s (up to 5 s); the local server does not count,
        # so a short wait stands in for it
        await asyncio.sleep(min(limited.value.retry_after_s, 1.0))
        placed = await v.place_order(request)
        await v.cancel_order(cid)
        return limited.value, never, placed
    limited, never, placed = venue.run(body)
    assert limited.retry_after_s > 0  # how long to hold off, for the caller's backoff
    assert never is None  # refused unread: nothing to look up, nothing to reconcile
    assert placed.client_id == cid and placed.status is OrderStatus.NEW
    assert venue.held_orders(cid) == 1


def test_a_ban_is_final_where_the_venue_says_so_and_nothing_is_placed(venue: Case) -> None:
    cid = "f6-banned"

    async def body(v):  # noqa: ANN001, ANN202
        inst = await v.instrument(venue.symbol)
        request = resting(OrderType.LIMIT, cid, inst, venue.qty,
                          await last_price(v, venue.symbol))
        if not venue.ban_next():
            pytest.skip(f"{venue.name}: no final ban declared, or none its local server gives")
        with pytest.raises(FinalVenueError) as banned:
            await v.place_order(request)
        return banned.value, await v.order_by_client_id(cid)
    banned, found = venue.run(body)
    assert not isinstance(banned, TemporaryError)  # never retried: waiting it out is manual
    assert found is None and venue.held_orders(cid) == 0


@pytest.mark.parametrize("how", ["gateway", "dropped"])
def test_a_lost_answer_is_in_doubt_and_the_order_is_found_by_client_id(venue: Case,
                                                                       how: str) -> None:
    """The venue accepted the order but its answer was lost (a gateway's 504 in its place,
    or the connection dropped under it): OrderStatusUnknown (never a retry), and asking by
    our client id finds the one order the venue holds."""
    cid = f"f3-doubt-{how}"

    async def body(v):  # noqa: ANN001, ANN202
        inst = await v.instrument(venue.symbol)
        request = resting(OrderType.LIMIT, cid, inst, venue.qty,
                          await last_price(v, venue.symbol))
        venue.lose_next_create_answer(how)
        try:
            with pytest.raises(OrderStatusUnknown) as raised:
                await v.place_order(request)
        finally:
            venue.heal()
        found = await v.order_by_client_id(cid)
        await v.cancel_order(cid)
        return raised.value, found
    raised, found = venue.run(body)
    assert raised.client_id == cid
    assert found is not None and found.status is OrderStatus.NEW and found.client_id == cid
    assert venue.held_orders(cid) == 1  # sent once, never re-sent


def test_a_venue_clock_far_ahead_is_measured_and_signed_requests_pass(venue: Case) -> None:
    if not venue.server_clock:
        pytest.skip(f"{venue.name} signs with this host's clock (nonces): nothing to measure")
    cid = "f4-skewed"

    async def body(v):  # noqa: ANN001, ANN202
        skew = venue.measured_skew_ms(v)  # measured when the adapter started
        inst = await v.instrument(venue.symbol)
        request = resting(OrderType.LIMIT, cid, inst, venue.qty,
                          await last_price(v, venue.symbol))
        placed = await v.place_order(request)
        canceled = await v.cancel_order(cid)
        return skew, await v.balances(), placed, canceled
    venue.shift_clock(AHEAD_MS)
    try:
        skew, balances, placed, canceled = venue.run(body)
    finally:
        venue.shift_clock(0)
    assert abs(skew - AHEAD_MS) < 2_000, skew
    assert balances and placed.status is OrderStatus.NEW
    assert canceled.status is OrderStatus.CANCELED


async def _read_after_restart(read):  # noqa: ANN001, ANN202
    """A read right after the venue dropped us: the pooled connection it had may be dead
    (one TemporaryError the caller retries); the next one must work."""
    try:
        return await read()
    except TemporaryError:
        return await read()


def test_a_venue_restart_is_survived_and_a_later_fill_streams_once(venue: Case) -> None:
    """Mid-session the venue drops every connection (its REST keep-alives and, where it
    pushes, its sockets) and comes back on the same address: the same adapter reads the
    account again, re-subscribes where it streams, and the fill of an order placed after
    the restart arrives on the fill stream exactly once."""
    cid = "f5-after-restart"

    async def body(v):  # noqa: ANN001, ANN202
        fills = v.stream_fills()
        got: list = []

        async def collect() -> None:
            async for fill in fills:
                got.append(fill)
        task = asyncio.create_task(collect())
        await asyncio.sleep(0.3)  # the stream is running (polling, or subscribed)
        await asyncio.to_thread(venue.restart)
        before = await _read_after_restart(v.positions)
        if venue.streams:
            await v.wait_streams_live(5)  # reconnected, authenticated, re-subscribed
        entry = await v.place_order(OrderRequest(cid, venue.symbol, Side.BUY,
                                                 OrderType.MARKET, venue.qty))
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and sum(
                f.qty for f in got if f.client_id == cid) < venue.qty:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.6)  # a few more polls or frames: no second copy arrives
        task.cancel()
        return before, entry, [f for f in got if f.client_id == cid]
    before, entry, ours = venue.run(body)
    assert isinstance(before, list)
    assert entry.client_id == cid
    assert sum(f.qty for f in ours) == venue.qty, ours
    assert len({f.fill_id for f in ours}) == len(ours)  # each fill once
    assert all(f.side is Side.BUY and f.price > Decimal(0) for f in ours)
