"""OKX's whole-position close (POST /api/v5/trade/close-position) through CcxtVenue, against
the local OKX server: dust below the minimum order is closed whole under our client id; a
lost answer is looked up by client id and never resent; a flat account sends nothing; a
venue without such an endpoint refuses before anything is sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal

import pytest

from plutarc.daemon.ops.dust_venue import close_order_of
from plutarc.errors import OrderRejected
from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.ccxt.replay import okx
from tests.exchanges.ccxt.replay.core import ServerThread

SYMBOL = "BTC-USDT-SWAP"
CLOSE = "/api/v5/trade/close-position"


@pytest.fixture
def served() -> Iterator[tuple[ServerThread, okx.OkxServer]]:
    server = okx.OkxServer()
    thread = ServerThread(server.app).start()
    yield thread, server
    thread.stop()


def venue_at(thread: ServerThread) -> CcxtVenue:
    return CcxtVenue(PROFILES["okx"], base_url=thread.url, timeout_s=5,
                     credentials=CcxtCredentials(okx.KEY, okx.SECRET, okx.PASSPHRASE))


def make_dust(thread: ServerThread, server: okx.OkxServer, qty: Decimal) -> None:
    """A long of ``qty`` contracts, then OKX raises the lot and minimum above it."""
    async def go() -> None:
        venue = venue_at(thread)
        try:
            await venue.start()
            await venue.place_order(OrderRequest("enter1", SYMBOL, Side.BUY, OrderType.MARKET,
                                                 qty))
        finally:
            await venue.close()
    asyncio.run(go())
    server.ids[SYMBOL].update(lotSz="10", minSz="10")


def test_okx_closes_dust_below_the_minimum_order_whole(served) -> None:  # noqa: ANN001
    thread, server = served
    make_dust(thread, server, Decimal(3))

    async def go() -> None:
        venue = venue_at(thread)
        try:
            await venue.start()
            assert close_order_of(venue) == venue.capabilities.extra["close_order"]
            assert (await venue.instrument(SYMBOL)).min_qty == 10
            with pytest.raises(OrderRejected, match="rounds to no contracts"):
                await venue.place_order(OrderRequest("sized1", SYMBOL, Side.SELL,
                                                     OrderType.MARKET, Decimal(3),
                                                     reduce_only=True))
            since = await venue.server_time_ms() - 60_000
            order = await venue.close_position("b1-0000002-dust", SYMBOL)
            assert order is not None and order.status is OrderStatus.FILLED
            assert order.client_id == "b1-0000002-dust"
            assert (order.request.side, order.filled_qty) == (Side.SELL, Decimal(3))
            assert order.venue_id and order.request.reduce_only
            fills = [f for f in await venue.fills_since(since, SYMBOL)
                     if f.client_id == order.client_id]
            assert sum(f.qty for f in fills) == 3
            assert await venue.positions() == []
            assert await venue.close_position("b1-0000003-dust", SYMBOL) is None
        finally:
            await venue.close()
    asyncio.run(go())
    assert thread.requests.count(("POST", CLOSE)) == 1  # flat: nothing sent the second time


def test_a_lost_close_answer_is_looked_up_by_client_id_and_not_resent(served) -> None:  # noqa: ANN001
    thread, server = served
    make_dust(thread, server, Decimal(2))
    server.fail_next_close = "timeout_after_accept"  # OKX closes, the gateway answers 504

    async def go() -> None:
        venue = venue_at(thread)
        try:
            await venue.start()
            order = await venue.close_position("b1-dust-x", SYMBOL)
            assert order is not None and order.status is OrderStatus.FILLED
            assert order.filled_qty == 2 and order.client_id == "b1-dust-x"
            assert await venue.positions() == []
        finally:
            await venue.close()
    asyncio.run(go())
    assert server.fail_next_close is None
    assert thread.requests.count(("POST", CLOSE)) == 1
    assert [o.client_id for o in server.book.orders.values()].count("b1zhdustzhx") == 1


def test_the_local_server_takes_only_the_documented_close_fields(served) -> None:  # noqa: ANN001
    thread, server = served
    make_dust(thread, server, Decimal(1))

    async def go() -> None:
        venue = venue_at(thread)
        try:
            await venue.start()
            ex = venue.exchange
            bad = [({"instId": SYMBOL, "mgnMode": "cross", "sz": "1"}, "51000"),
                   ({"instId": SYMBOL, "mgnMode": "isolated"}, "51000"),
                   ({"instId": SYMBOL, "mgnMode": "cross", "posSide": "long"}, "51000"),
                   ({"instId": "NOPE-USDT-SWAP", "mgnMode": "cross"}, "51001")]
            for body, code in bad:
                with pytest.raises(Exception, match=code):
                    await ex.privatePostTradeClosePosition(body)
            assert server.book.positions[SYMBOL][0] == 1  # nothing closed by a bad request
            answer = await ex.privatePostTradeClosePosition(
                {"instId": SYMBOL, "mgnMode": "cross", "clOrdId": "abc1"})
            assert answer["data"] == [{"instId": SYMBOL, "posSide": "net", "clOrdId": "abc1",
                                       "tag": ""}]
            with pytest.raises(Exception, match="51023"):
                await ex.privatePostTradeClosePosition({"instId": SYMBOL, "mgnMode": "cross"})
        finally:
            await venue.close()
    asyncio.run(go())


def test_venues_without_a_close_endpoint_refuse_before_sending() -> None:
    for name, profile in sorted(PROFILES.items()):
        if name == "okx":
            continue
        assert not profile.close_client_id_param, name
        assert "close_order" not in profile.capabilities.extra, name
    venue = CcxtVenue(PROFILES["bybit"])  # never connected: the refusal comes first
    assert close_order_of(venue) is None
    with pytest.raises(OrderRejected, match="bybit has no whole-position close endpoint"):
        asyncio.run(venue.close_position("b1-x", "BTCUSDT"))
