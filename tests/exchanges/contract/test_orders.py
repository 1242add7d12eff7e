"""The Venue contract for orders, the same checks on every venue: each order type the venue
declares placed, found by our client id, listed and cancelled; a limit order amended in
place (or refused clearly where the venue cannot); an entry that is a position, protected
by a stop that can be moved; its fill named by our client id, once; an order never sent
not found. Only capabilities and profiles decide what differs; no check names a venue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.errors import OrderRejected
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.contract.cases import Case
from tests.exchanges.contract.helpers import last_price, protective_stop_kind, resting


def test_each_declared_order_type_rests_is_found_listed_and_cancelled(venue: Case) -> None:
    kinds = sorted(venue.capabilities.order_types - {OrderType.MARKET})
    assert OrderType.LIMIT in kinds  # every venue we trade on rests a limit order

    async def body(v):  # noqa: ANN001, ANN202
        inst = await v.instrument(venue.symbol)
        last = await last_price(v, venue.symbol)
        out = {}
        for kind in kinds:
            request = resting(kind, f"c1-{kind.value.replace('_', '-')}", inst, venue.qty, last)
            placed = await v.place_order(request)
            looked = await v.order_by_client_id(request.client_id)
            listed = [o.client_id for o in await v.open_orders(venue.symbol)]
            canceled = await v.cancel_order(request.client_id)
            after = await v.order_by_client_id(request.client_id)
            out[kind] = request, placed, looked, listed, canceled, after
        return out
    for kind, (request, placed, looked, listed, canceled, after) in venue.run(body).items():
        cid = request.client_id
        assert placed.client_id == cid and placed.status is OrderStatus.NEW, kind
        assert placed.venue_id and placed.request.type is kind, kind
        assert placed.request.qty == venue.qty, kind
        assert looked is not None and looked.venue_id == placed.venue_id, kind
        assert looked.status is OrderStatus.NEW and looked.request.type is kind, kind
        if request.stop_price is not None:
            assert looked.request.stop_price == request.stop_price, kind
        if request.price is not None:
            assert looked.request.price == request.price, kind
        assert cid in listed, kind
        assert canceled.status is OrderStatus.CANCELED, kind
        if kind is OrderType.LIMIT:
            assert after is not None and after.status is OrderStatus.CANCELED
        else:  # a venue may keep finished stops where ccxt does not read (Kraken's
            # /triggers): never found open again is what the daemon relies on
            assert after is None or after.status is OrderStatus.CANCELED, kind


def test_a_limit_order_is_amended_in_place_or_refused_untouched(venue: Case) -> None:
    """Price and size of a resting limit order change under the same client id, and one
    order rests; where the venue never frees a client id (cancel-then-place would lose
    it) the amend is refused with our typed error and the order rests as it was."""
    cid = "c2-limit"

    async def body(v):  # noqa: ANN001, ANN202
        inst = await v.instrument(venue.symbol)
        last = await last_price(v, venue.symbol)
        first = resting(OrderType.LIMIT, cid, inst, venue.qty, last)
        await v.place_order(first)
        to_price = inst.round_price(last * Decimal("0.75"), "down")
        if venue.stops_movable:
            amended = await v.amend_order(cid, price=to_price, qty=venue.qty * 2)
        else:
            with pytest.raises(OrderRejected, match="stays as it is"):
                await v.amend_order(cid, price=to_price, qty=venue.qty * 2)
            amended = None
        looked = await v.order_by_client_id(cid)
        rest = [o for o in await v.open_orders(venue.symbol) if o.client_id == cid]
        await v.cancel_order(cid)
        return first, to_price, amended, looked, rest
    first, to_price, amended, looked, rest = venue.run(body)
    want_price, want_qty = (to_price, venue.qty * 2) if amended else (first.price, venue.qty)
    if amended is not None:
        assert amended.client_id == cid and amended.status is OrderStatus.NEW
        assert (amended.request.price, amended.request.qty) == (want_price, want_qty)
    assert looked is not None and looked.status is OrderStatus.NEW
    assert (looked.request.price, looked.request.qty) == (want_price, want_qty)
    assert len(rest) == 1 and rest[0].request.price == want_price


def test_an_order_never_sent_is_not_found(venue: Case) -> None:
    async def body(v):  # noqa: ANN001, ANN202
        await v.instrument(venue.symbol)  # the bot's symbol, as after a restart
        return await v.order_by_client_id("c3-never-sent")
    assert venue.run(body) is None


def test_an_entry_is_a_position_with_one_fill_named_by_our_client_id(venue: Case) -> None:
    """A market entry fills: the position grows by its size, fills_since names our client
    id on exactly the entry's size (asked twice: the same fills, no duplicates), and the
    settle coin's balance is there, per coin."""
    cid = "c4-entry"

    async def body(v):  # noqa: ANN001, ANN202
        inst = await v.instrument(venue.symbol)
        before = {p.symbol: p.qty for p in await v.positions()}.get(venue.symbol, 0)
        since = await v.server_time_ms() - 60_000
        entry = await v.place_order(OrderRequest(cid, venue.symbol, Side.BUY,
                                                 OrderType.MARKET, venue.qty))
        held = {p.symbol: p.qty for p in await v.positions()}.get(venue.symbol, 0)
        first = await v.fills_since(since, venue.symbol)
        again = await v.fills_since(since, venue.symbol)
        return inst, before, entry, held, first, again, await v.balances()
    inst, before, entry, held, first, again, balances = venue.run(body)
    assert entry.client_id == cid and entry.status in (OrderStatus.FILLED, OrderStatus.NEW)
    assert held - before == venue.qty
    ours = [f for f in first if f.client_id == cid]
    assert ours and sum(f.qty for f in ours) == venue.qty
    assert all(f.side is Side.BUY and f.price > 0 and f.symbol == venue.symbol for f in ours)
    assert len({f.fill_id for f in first}) == len(first)  # no fill listed twice
    assert [f.fill_id for f in again] == [f.fill_id for f in first]
    coins = {b.currency: b for b in balances}
    assert inst.settle in coins, coins  # per coin, never summed across coins
    assert all(b.total > 0 and b.available <= b.total for b in balances)


def test_a_restarted_adapter_told_its_orders_names_their_fills(venue: Case) -> None:
    """After a restart the daemon claims its journal's client ids; the fills of those
    orders then carry them, on venues that echo our id and on those that carry a number
    for it."""
    cid = "c5-entry"

    async def trade(v):  # noqa: ANN001, ANN202
        await v.place_order(OrderRequest(cid, venue.symbol, Side.BUY, OrderType.MARKET,
                                         venue.qty))

    async def restarted(v):  # noqa: ANN001, ANN202
        v.claim_orders([cid])
        await v.instrument(venue.symbol)  # the bot's symbol
        return await v.fills_since(0, venue.symbol)
    venue.run(trade)
    fills = [f for f in venue.run(restarted) if f.client_id == cid]
    assert sum(f.qty for f in fills) == venue.qty


def test_a_protective_stop_rests_and_is_moved_as_one_order(venue: Case) -> None:
    """The daemon ratchets protective stops: after an entry a reduce-only stop rests and its
    trigger moves (in place or by the venue's declared cancel-then-place) under the same
    client id, one stop resting afterwards; where the venue never frees a client id the
    move is refused and the stop rests where it was."""
    kind = protective_stop_kind(venue.capabilities.order_types)
    entry_cid, stop_cid = "c6-entry", "c6-stop"

    async def body(v):  # noqa: ANN001, ANN202
        inst = await v.instrument(venue.symbol)
        await v.place_order(OrderRequest(entry_cid, venue.symbol, Side.BUY, OrderType.MARKET,
                                         venue.qty))
        last = await last_price(v, venue.symbol)
        first, moved_to = (inst.round_price(last * Decimal(f), "down") for f in ("0.9", "0.95"))
        stop = await v.place_order(OrderRequest(
            stop_cid, venue.symbol, Side.SELL, kind, venue.qty, stop_price=first,
            price=inst.round_price(first * Decimal("0.99"), "down")
            if kind is OrderType.STOP_LIMIT else None, reduce_only=True))
        if not venue.stops_movable:  # declared: refused before anything is touched
            with pytest.raises(OrderRejected, match="stays as it is"):
                await v.amend_order(stop_cid, stop_price=moved_to)
            moved_to = first
            moved = await v.order_by_client_id(stop_cid)
        else:
            moved = await v.amend_order(stop_cid, stop_price=moved_to)
        looked = await v.order_by_client_id(stop_cid)
        rest = [o for o in await v.open_orders(venue.symbol) if o.client_id == stop_cid]
        await v.cancel_order(stop_cid)
        return stop, moved_to, moved, looked, rest
    stop, moved_to, moved, looked, rest = venue.run(body)
    assert stop.status is OrderStatus.NEW and stop.request.type is kind
    assert moved.client_id == stop_cid and moved.request.stop_price == moved_to
    assert looked is not None and looked.status is OrderStatus.NEW
    assert len(rest) == 1 and rest[0].request.stop_price == moved_to


def test_selling_through_the_position_leaves_it_short_and_negative(venue: Case) -> None:
    """Kept last in this module: the account ends short. A sell of the held size plus one
    order's worth turns the net position to minus that order, read back signed."""
    cid = "c7-through"

    async def body(v):  # noqa: ANN001, ANN202
        await v.instrument(venue.symbol)
        held = {p.symbol: p.qty for p in await v.positions()}.get(venue.symbol, Decimal(0))
        size = max(held, Decimal(0)) + venue.qty
        await v.place_order(OrderRequest(cid, venue.symbol, Side.SELL, OrderType.MARKET, size))
        after = {p.symbol: p for p in await v.positions()}.get(venue.symbol)
        return held, after
    held, after = venue.run(body)
    assert held >= 0  # the earlier checks here only bought
    assert after is not None and after.qty == -venue.qty
    assert after.entry_price is not None and after.entry_price > 0
