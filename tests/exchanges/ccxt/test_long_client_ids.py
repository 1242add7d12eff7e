"""A bot's client id longer than the venue takes once escaped (OKX clOrdId: 32 letters and
digits) goes out as a hash of it: accepted, found again by our id in a new process that
claimed it (a daemon restart), and listed under our id."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.ccxt.replay import okx
from tests.exchanges.ccxt.replay.core import ServerThread

# as the daemon makes them: bot id - symbol - sequence - purpose (36 characters, 44 escaped)
CID = "b5f0c1-BTC-USDT-SWAP-0000001-entry"


def test_a_long_client_id_is_hashed_and_found_again_after_a_restart() -> None:
    server = okx.OkxServer()
    thread = ServerThread(server.app).start()
    keys = CcxtCredentials(okx.KEY, okx.SECRET, okx.PASSPHRASE)

    async def go():  # noqa: ANN202
        first = CcxtVenue(PROFILES["okx"], credentials=keys, base_url=thread.url)
        again = CcxtVenue(PROFILES["okx"], credentials=keys, base_url=thread.url)
        try:
            await first.start()
            placed = await first.place_order(OrderRequest(
                CID, "BTC-USDT-SWAP", Side.BUY, OrderType.LIMIT, Decimal("1"),
                price=Decimal("30000")))
            await again.start()
            await again.instrument("BTC-USDT-SWAP")  # the bot's symbol, as at a bot's start
            again.claim_orders([CID])  # the journal's ids, at the restart
            found = await again.order_by_client_id(CID)
            listed = await again.open_orders("BTC-USDT-SWAP")
            return placed, found, listed
        finally:
            await first.close()
            await again.close()
    try:
        placed, found, listed = asyncio.run(go())
    finally:
        thread.stop()
    assert placed.status is OrderStatus.NEW and placed.client_id == CID
    wire = [o.client_id for o in server.book.orders.values()]
    assert len(wire) == 1 and len(wire[0]) == 32 and wire[0].isalnum(), wire
    assert found is not None and found.client_id == CID and found.venue_id == placed.venue_id
    assert [o.client_id for o in listed] == [CID]


def test_a_stop_is_found_by_our_id_after_a_restart_with_nothing_in_memory() -> None:
    """A daemon killed after its stop reached OKX: the new process knows only the journal's
    ids. The stop is an algo order, whose id ccxt does not parse (algoClOrdId); the lookup
    used to fail, and the bot called a resting stop 'never reached the venue'."""
    server = okx.OkxServer()
    thread = ServerThread(server.app).start()
    keys = CcxtCredentials(okx.KEY, okx.SECRET, okx.PASSPHRASE)
    entry, stop = "b5f0c1-548c65e7-0000001-entry", "b5f0c1-548c65e7-0000002-stop"

    async def go():  # noqa: ANN202
        first = CcxtVenue(PROFILES["okx"], credentials=keys, base_url=thread.url)
        again = CcxtVenue(PROFILES["okx"], credentials=keys, base_url=thread.url)
        try:
            await first.start()
            await first.place_order(OrderRequest(entry, "BTC-USDT-SWAP", Side.BUY,
                                                 OrderType.MARKET, Decimal("1")))
            placed = await first.place_order(OrderRequest(
                stop, "BTC-USDT-SWAP", Side.SELL, OrderType.STOP_MARKET, Decimal("1"),
                stop_price=Decimal("10000"), reduce_only=True))
            await again.start()
            await again.instrument("BTC-USDT-SWAP")
            again.claim_orders([entry, stop])
            return placed, await again.order_by_client_id(stop)
        finally:
            await first.close()
            await again.close()
    try:
        placed, found = asyncio.run(go())
    finally:
        thread.stop()
    assert found is not None and found.client_id == stop and found.venue_id == placed.venue_id
    assert found.status is OrderStatus.NEW and found.request.stop_price == Decimal("10000")
