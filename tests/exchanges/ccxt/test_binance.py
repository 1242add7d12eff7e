"""CcxtVenue on Binance USD-M, through ccxt, against the local Binance server (real payload
shapes, HMAC signatures checked, stops on the algo-order service)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from plutarc.errors import AuthenticationError, OrderStatusUnknown, UsageError
from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.ccxt.replay.binance import KEY, SECRET

MIN = 60_000


def run(server, body: Callable[[CcxtVenue], Awaitable[Any]], *, key: str = KEY) -> Any:  # noqa: ANN001
    async def go() -> Any:
        venue = CcxtVenue(PROFILES["binance"], credentials=CcxtCredentials(key, SECRET),
                          base_url=server[0].url, timeout_s=5)
        try:
            await venue.start()
            return await body(venue)
        finally:
            await venue.close()
    return asyncio.run(go())


def test_instruments_are_the_recorded_perpetuals_with_tick_and_lot(binance_server) -> None:
    async def body(v: CcxtVenue):
        return {i.symbol: i for i in await v.instruments()}
    found = run(binance_server, body)
    assert set(found) == {"BTCUSDT", "ETHUSDT"}  # the quarterly future is not a swap
    assert found["BTCUSDT"].tick_size == Decimal("0.1")
    assert found["BTCUSDT"].lot_size == Decimal("0.001")
    assert found["BTCUSDT"].settle == "USDT"


def test_candles_are_closed_chronological_and_synthesised(binance_server) -> None:
    async def body(v: CcxtVenue):
        now = await v.server_time_ms()
        ones = await v.candles("BTCUSDT", "1m", now - 60 * MIN, now)
        fives = await v.candles("BTCUSDT", "5m", now - 60 * MIN, now)
        threes = await v.candles("BTCUSDT", "3m", now - 30 * MIN, now)
        return now, ones, fives, threes
    now, ones, fives, threes = run(binance_server, body)
    for series, step in ((ones, MIN), (fives, 5 * MIN), (threes, 3 * MIN)):
        stamps = [c.ts_ms for c in series]
        assert stamps == sorted(set(stamps)) and all(s % step == 0 for s in stamps)
        assert series[-1].close_ts_ms <= now  # the forming bar the venue sends is dropped
    assert len(ones) >= 58


def test_more_candles_than_one_page_are_paged(binance_server) -> None:
    async def body(v: CcxtVenue):
        now = await v.server_time_ms()
        return await v.candles("BTCUSDT", "1m", now - 1200 * MIN, now - 600 * MIN)
    got = run(binance_server, body)
    assert len(got) >= 300 and [c.ts_ms for c in got] == sorted({c.ts_ms for c in got})


def test_place_lookup_amend_cancel_and_account(binance_server) -> None:
    async def body(v: CcxtVenue):
        limit = await v.place_order(OrderRequest("t1-limit", "BTCUSDT", Side.BUY,
                                                 OrderType.LIMIT, Decimal("0.010"),
                                                 price=Decimal("30000.04")))
        market = await v.place_order(OrderRequest("t1-market", "BTCUSDT", Side.BUY,
                                                  OrderType.MARKET, Decimal("0.01")))
        stop = await v.place_order(OrderRequest("t1-stop", "BTCUSDT", Side.SELL,
                                                OrderType.STOP_MARKET, Decimal("0.01"),
                                                stop_price=Decimal("30000"), reduce_only=True))
        open_ids = sorted(o.client_id for o in await v.open_orders("BTCUSDT"))
        moved = await v.amend_order("t1-stop", stop_price=Decimal("31000"))
        looked = await v.order_by_client_id("t1-stop")
        canceled = await v.cancel_order("t1-limit")
        return (limit, market, stop, open_ids, moved, looked, canceled, await v.positions(),
                await v.balances(), await v.fills_since(0, "BTCUSDT"),
                await v.order_by_client_id("t1-never-sent"))
    (limit, market, stop, open_ids, moved, looked, canceled, positions, balances, fills,
     never) = run(binance_server, body)
    assert limit.status is OrderStatus.NEW and limit.request.price == Decimal("30000.04")
    assert market.status is OrderStatus.FILLED and market.filled_qty == Decimal("0.01")
    assert stop.status is OrderStatus.NEW and stop.request.stop_price == Decimal("30000")
    assert open_ids == ["t1-limit", "t1-stop"]  # plain and algo (stop) lists both read
    assert moved.request.stop_price == Decimal("31000") and moved.status is OrderStatus.NEW
    assert looked is not None and looked.venue_id == moved.venue_id
    assert canceled.status is OrderStatus.CANCELED
    assert [(p.symbol, p.qty) for p in positions] == [("BTCUSDT", Decimal("0.01"))]
    assert [b.currency for b in balances] == ["USDT"] and balances[0].total < 10_000
    assert [(f.client_id, f.qty) for f in fills] == [("t1-market", Decimal("0.01"))]
    assert never is None


def test_a_lost_answer_to_an_accepted_order_is_in_doubt_and_found_by_client_id(
        binance_server) -> None:
    binance_server[1].fail_next_create = "timeout_after_accept"

    async def body(v: CcxtVenue):
        with pytest.raises(OrderStatusUnknown) as raised:
            await v.place_order(OrderRequest("t2-doubt", "BTCUSDT", Side.BUY, OrderType.LIMIT,
                                             Decimal("0.002"), price=Decimal("30000")))
        assert raised.value.client_id == "t2-doubt"
        return await v.order_by_client_id("t2-doubt")
    found = run(binance_server, body)
    assert found is not None and found.status is OrderStatus.NEW
    assert sum(o.client_id == "t2-doubt" for o in binance_server[1].book.orders.values()) == 1


def test_a_wrong_key_is_an_authentication_error_and_an_unknown_symbol_a_usage_error(
        binance_server) -> None:
    async def bad_key(v: CcxtVenue):
        return await v.balances()
    with pytest.raises(AuthenticationError):
        run(binance_server, bad_key, key="not-the-key")

    async def bad_symbol(v: CcxtVenue):
        return await v.candles("NOPEUSDT", "1m", 0, 1)
    with pytest.raises(UsageError, match="no 'NOPEUSDT' contract"):
        run(binance_server, bad_symbol)
