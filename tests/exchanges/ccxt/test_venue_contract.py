"""The Venue contract, the same checks on every ccxt venue with a local server: the
instrument spec, candles (oldest first, closed only, synthesised where not native), a limit
order under our client id found, listed and cancelled, a market entry that shows as a
position, a protective stop (native, or the stop-limit the venue declares), balances, and
a refused order or key turned into our typed error. Only the venue's profile decides what
differs; the checks never name a venue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.errors import (
    AuthenticationError,
    InsufficientFunds,
    OrderRejected,
    OrderStatusUnknown,
)
from plutarc.exchanges.ccxt import AmendStyle, CcxtCredentials, CcxtVenue
from plutarc.intervals import interval_ms
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.ccxt.conftest import Served

MIN = 60_000
# what the case's one order is worth by the venue's own contract terms (its docs/recording):
# base coin for linear contracts, quote currency for inverse ones
WORTH = {"binance": ("BTC", "0.01"), "bybit": ("BTC", "0.01"), "okx": ("BTC", "0.01"),
         "deribit": ("USD", "10"),  # BTC-PERPETUAL: amounts in USD, 10 USD a contract
         "kraken": ("ETH", "0.01"), "kucoin": ("BTC", "0.001"),  # XBTUSDTM: 0.001 a lot
         "phemex": ("USD", "10"),  # BTCUSD: 1 USD a contract
         "woox": ("BTC", "0.001"),
         "gemini": ("BTC", "0.001")}  # btcgusdperp: amounts in BTC


async def _last_price(v: CcxtVenue, symbol: str) -> Decimal:
    now = await v.server_time_ms()
    bars = await v.candles(symbol, "1m", now - 10 * MIN, now)
    return Decimal(str(bars[-1].close))


def test_the_instrument_spec_is_the_venues(contract: Served) -> None:
    async def body(v: CcxtVenue):
        return await v.instrument(contract.symbol), [i.symbol for i in await v.instruments()]
    inst, listed = contract.run(body)
    assert inst.venue == contract.name and inst.symbol == contract.symbol
    assert contract.symbol in listed and listed == sorted(listed)
    assert inst.tick_size > 0 and inst.lot_size > 0 and inst.multiplier > 0
    assert inst.min_qty >= 0 and inst.settle
    assert inst.round_qty(contract.qty) == contract.qty  # the case's size is a whole lot
    unit, worth = WORTH[contract.name]  # our contract maths sizes it as the venue does
    assert (inst.base if inst.kind.value == "linear" else inst.quote) == unit
    assert inst.multiplier * contract.qty == Decimal(worth)


def test_candles_are_oldest_first_and_closed_only(contract: Served) -> None:
    native = contract.profile.capabilities.native_intervals
    built = next((i for i in ("3m", "2h", "4h") if i not in native), None)

    async def body(v: CcxtVenue):
        now = await v.server_time_ms()
        out = {"1m": await v.candles(contract.symbol, "1m", now - 30 * MIN, now),
               "5m": await v.candles(contract.symbol, "5m", now - 60 * MIN, now)}
        if built is not None:  # an interval the venue lacks is grouped from a smaller one
            out[built] = await v.candles(contract.symbol, built, now - 720 * MIN, now)
        return now, out
    now, series = contract.run(body)
    for interval, bars in series.items():
        step = interval_ms(interval)
        stamps = [c.ts_ms for c in bars]
        assert bars, interval
        assert stamps == sorted(set(stamps)), interval
        assert all(s % step == 0 and c.interval_ms == step for s, c in zip(stamps, bars,
                                                                            strict=True))
        assert bars[-1].close_ts_ms <= now, f"{interval}: a forming bar was returned"
        assert all(c.low <= min(c.open, c.close) and c.high >= max(c.open, c.close)
                   for c in bars)
    assert len(series["1m"]) >= 28 and len(series["5m"]) >= 10


def test_a_limit_order_under_our_client_id_is_found_listed_and_cancelled(
        contract: Served) -> None:
    cid = f"k1-{contract.name}-limit"

    async def body(v: CcxtVenue):
        inst = await v.instrument(contract.symbol)
        below = inst.round_price(await _last_price(v, contract.symbol) * Decimal("0.8"), "down")
        placed = await v.place_order(OrderRequest(cid, contract.symbol, Side.BUY,
                                                  OrderType.LIMIT, contract.qty, price=below))
        looked = await v.order_by_client_id(cid)
        listed = [o.client_id for o in await v.open_orders(contract.symbol)]
        canceled = await v.cancel_order(cid)
        after = await v.order_by_client_id(cid)
        return below, placed, looked, listed, canceled, after
    below, placed, looked, listed, canceled, after = contract.run(body)
    assert placed.client_id == cid and placed.status is OrderStatus.NEW and placed.venue_id
    assert placed.request.price == below and placed.request.qty == contract.qty
    assert looked is not None and looked.venue_id == placed.venue_id
    assert looked.status is OrderStatus.NEW and looked.client_id == cid
    assert cid in listed
    assert canceled.status is OrderStatus.CANCELED
    assert after is not None and after.status is OrderStatus.CANCELED


def test_an_order_never_sent_is_not_found(contract: Served) -> None:
    async def body(v: CcxtVenue):
        await v.instrument(contract.symbol)  # the bot's symbol, as after a restart
        return await v.order_by_client_id(f"k2-{contract.name}-never-sent")
    assert contract.run(body) is None


def test_an_entry_is_a_position_protected_by_a_stop_and_the_balance_moves(
        contract: Served) -> None:
    types = contract.profile.capabilities.order_types
    kind = OrderType.STOP_MARKET if OrderType.STOP_MARKET in types else OrderType.STOP_LIMIT
    entry_cid, stop_cid = f"k3-{contract.name}-entry", f"k3-{contract.name}-stop"

    async def body(v: CcxtVenue):
        inst = await v.instrument(contract.symbol)
        before = {p.symbol: p.qty for p in await v.positions()}.get(contract.symbol, 0)
        entry = await v.place_order(OrderRequest(entry_cid, contract.symbol, Side.BUY,
                                                 OrderType.MARKET, contract.qty))
        held = {p.symbol: p.qty for p in await v.positions()}.get(contract.symbol, 0)
        trigger = inst.round_price(await _last_price(v, contract.symbol) * Decimal("0.9"),
                                   "down")
        limit = inst.round_price(trigger * Decimal("0.99"), "down")
        stop = await v.place_order(OrderRequest(
            stop_cid, contract.symbol, Side.SELL, kind, contract.qty, stop_price=trigger,
            price=limit if kind is OrderType.STOP_LIMIT else None, reduce_only=True))
        looked = await v.order_by_client_id(stop_cid)
        listed = [o.client_id for o in await v.open_orders(contract.symbol)]
        canceled = await v.cancel_order(stop_cid)
        return (before, entry, held, trigger, stop, looked, listed, canceled,
                await v.balances(), inst)
    (before, entry, held, trigger, stop, looked, listed, canceled, balances,
     inst) = contract.run(body)
    assert entry.client_id == entry_cid
    assert held - before == contract.qty
    assert stop.status is OrderStatus.NEW and stop.request.stop_price == trigger
    assert stop.request.type is kind
    assert looked is not None and looked.status is OrderStatus.NEW
    assert looked.venue_id == stop.venue_id and looked.request.stop_price == trigger
    assert stop_cid in listed  # a venue keeping stops apart is asked for both lists
    assert canceled.status is OrderStatus.CANCELED
    coins = {b.currency: b for b in balances}
    assert inst.settle in coins, coins  # per coin, never summed across coins
    assert all(b.total > 0 and b.available <= b.total for b in balances)


def test_a_refused_order_is_our_typed_error_and_changes_nothing(contract: Served) -> None:
    """A reused client id where the venue refuses one (OrderRejected); elsewhere (Deribit's
    labels are not unique) an order far over the account's margin (InsufficientFunds)."""
    cid = f"k4-{contract.name}-dup"
    unique = contract.profile.unique_client_ids

    async def body(v: CcxtVenue):
        inst = await v.instrument(contract.symbol)
        price = inst.round_price(await _last_price(v, contract.symbol) * Decimal("0.8"), "down")
        request = OrderRequest(cid, contract.symbol, Side.BUY, OrderType.LIMIT, contract.qty,
                               price=price)
        first = await v.place_order(request)
        if not unique:
            request = OrderRequest(cid + "-big", contract.symbol, Side.BUY, OrderType.LIMIT,
                                   contract.qty * 10**7, price=price)
        with pytest.raises(OrderRejected if unique else InsufficientFunds) as refused:
            await v.place_order(request)
        listed = [o for o in await v.open_orders(contract.symbol)
                  if o.client_id.startswith(cid)]
        await v.cancel_order(cid)
        return first, refused.value, listed
    first, refused, listed = contract.run(body)
    assert str(refused).startswith(f"{contract.name}: ")
    assert [o.venue_id for o in listed] == [first.venue_id]  # still the one first order


def test_a_wrong_key_is_an_authentication_error(contract: Served) -> None:
    async def body(v: CcxtVenue):
        return await v.balances()
    creds = contract.credentials
    wrong = CcxtCredentials("not-the-key", creds.secret, creds.passphrase)
    with pytest.raises(AuthenticationError):
        contract.run(body, wrong)


def test_a_lost_answer_is_in_doubt_and_the_order_is_found_by_client_id(contract: Served) -> None:
    """The venue accepted the order but its answer was lost: OrderStatusUnknown (never a
    retry), and asking by our client id finds the one order the venue holds."""
    cid = f"k5-{contract.name}-doubt"
    contract.server.fail_next_create = "timeout_after_accept"

    async def body(v: CcxtVenue):
        inst = await v.instrument(contract.symbol)
        price = inst.round_price(await _last_price(v, contract.symbol) * Decimal("0.8"), "down")
        with pytest.raises(OrderStatusUnknown) as raised:
            await v.place_order(OrderRequest(cid, contract.symbol, Side.BUY, OrderType.LIMIT,
                                             contract.qty, price=price))
        found = await v.order_by_client_id(cid)
        await v.cancel_order(cid)
        return raised.value, found
    raised, found = contract.run(body)
    assert raised.client_id == cid
    assert found is not None and found.status is OrderStatus.NEW and found.client_id == cid
    held = [o for o in contract.server.book.orders.values() if o.client_id.endswith("doubt")
            or o.venue_id == found.venue_id]
    assert [o.venue_id for o in held] == [found.venue_id]  # sent once, never re-sent


def test_a_restarted_adapter_told_its_orders_names_their_fills(contract: Served) -> None:
    """After a restart the daemon claims its journal's client ids; the fills of those
    orders then carry them, on venues that echo our id and on those that carry a number
    for it (WOO X)."""
    cid = f"k6-{contract.name}-entry"

    async def trade(v: CcxtVenue):
        await v.place_order(OrderRequest(cid, contract.symbol, Side.BUY, OrderType.MARKET,
                                         contract.qty))

    async def restarted(v: CcxtVenue):
        v.claim_orders([cid])
        await v.instrument(contract.symbol)  # the bot's symbol
        return await v.fills_since(0, contract.symbol)
    contract.run(trade)
    assert cid in {f.client_id for f in contract.run(restarted)}


def test_a_resting_stop_is_moved_and_stays_one_order(contract: Served) -> None:
    """The daemon ratchets protective stops (break-even, software trailing): the stop's
    trigger moves, in place or by the venue's declared cancel-then-place, under the same
    client id, and one stop rests afterwards; where the venue never frees a client id, or
    would need the new order placed first under a second one (Gemini), the amend is refused
    and the stop rests where it was."""
    types = contract.profile.capabilities.order_types
    kind = OrderType.STOP_MARKET if OrderType.STOP_MARKET in types else OrderType.STOP_LIMIT
    entry_cid, stop_cid = f"k7-{contract.name}-entry", f"k7-{contract.name}-stop"

    async def body(v: CcxtVenue):
        inst = await v.instrument(contract.symbol)
        await v.place_order(OrderRequest(entry_cid, contract.symbol, Side.BUY, OrderType.MARKET,
                                         contract.qty))
        last = await _last_price(v, contract.symbol)
        first, moved_to = (inst.round_price(last * Decimal(f), "down") for f in ("0.9", "0.95"))
        await v.place_order(OrderRequest(
            stop_cid, contract.symbol, Side.SELL, kind, contract.qty, stop_price=first,
            price=inst.round_price(first * Decimal("0.99"), "down")
            if kind is OrderType.STOP_LIMIT else None, reduce_only=True))
        if not movable:  # declared: refused before anything is touched
            with pytest.raises(OrderRejected, match="stays as it is"):
                await v.amend_order(stop_cid, stop_price=moved_to)
            moved_to = first
            moved = await v.order_by_client_id(stop_cid)
        else:
            moved = await v.amend_order(stop_cid, stop_price=moved_to)
        looked = await v.order_by_client_id(stop_cid)
        resting = [o for o in await v.open_orders(contract.symbol) if o.client_id == stop_cid]
        await v.cancel_order(stop_cid)
        return moved_to, moved, looked, resting
    profile = contract.profile
    movable = profile.amend is AmendStyle.NATIVE or (
        profile.amend is AmendStyle.CANCEL_THEN_PLACE and profile.client_ids_reusable)
    moved_to, moved, looked, resting = contract.run(body)
    assert moved.client_id == stop_cid and moved.request.stop_price == moved_to
    assert looked is not None and looked.status is OrderStatus.NEW
    assert len(resting) == 1 and resting[0].request.stop_price == moved_to
