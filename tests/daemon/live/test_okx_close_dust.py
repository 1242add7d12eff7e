"""Dust closed at OKX by the daemon's own close_dust, in process: a real DaemonService (SQLite
journal, event sink, supervisor) whose okx testnet bots' workers build a real CcxtVenue on
the local OKX server (demo trading headers checked), and OKX's close-position endpoint.

Stated plainly: no OKX bot trades in these tests (the OKX rig has no strategy-driven live
test yet), so the entry is made at the server with a market order and the same position is
written into the bot's journal by hand; the venue then raises the contract's lot and
minimum above it (dust). Everything after that is the product's path: the specs read from
the venue, the refusal checks, journal-first, the close, the fills booked, the audit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from plutarc.clock import WallClock
from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.live import LiveWorker
from plutarc.daemon.ops import dust
from plutarc.daemon.runtime import Supervisor, WorkerRegistry
from plutarc.daemon.service import DaemonService
from plutarc.daemon.store import DaemonStore
from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.models import OrderRequest, OrderStatus, OrderType, Position, Side
from tests.daemon.live.conftest import QUICK_TEMPLATE
from tests.exchanges.ccxt.replay import okx
from tests.exchanges.ccxt.replay.core import ServerThread

SYMBOL = "BTC-USDT-SWAP"
CLOSE = ("POST", "/api/v5/trade/close-position")


def _venue(thread: ServerThread) -> CcxtVenue:
    return CcxtVenue(PROFILES["okx"], testnet=True, base_url=thread.url, timeout_s=5,
                     credentials=CcxtCredentials(okx.KEY, okx.SECRET, okx.PASSPHRASE))


@pytest.fixture
async def rig() -> AsyncIterator[tuple[DaemonService, ServerThread, okx.OkxServer]]:
    server = okx.OkxServer(demo=True)
    thread = ServerThread(server.app).start()
    store = DaemonStore.open(":memory:")
    clock = WallClock()
    sink = EventSink(store, EventBus(), clock)
    registry = WorkerRegistry()
    registry.register("okx", lambda _bot: LiveWorker(lambda _b: _venue(thread), give_up_s=1.0),
                      modes=["testnet"])
    supervisor = Supervisor(store, sink, registry, clock, heartbeat_interval_s=0.05,
                            grace_s=2.0)
    service = DaemonService(store, sink, supervisor, clock)
    service.put_template("quick_cross", QUICK_TEMPLATE, "tester")
    try:
        yield service, thread, server
    finally:
        await supervisor.shutdown()
        store.close()
        thread.stop()


async def _stopped_bot_with_dust(service: DaemonService, thread: ServerThread,
                                 server: okx.OkxServer, qty: Decimal) -> str:
    bot = await service.create_bot(BotSpec(name="dusty", template="quick_cross", venue="okx",
                                           mode="testnet", account="main",
                                           symbols=(SYMBOL,)), "tester")
    venue = _venue(thread)
    try:
        await venue.start()
        await venue.place_order(OrderRequest("entry1", SYMBOL, Side.BUY, OrderType.MARKET, qty))
    finally:
        await venue.close()
    entry = server.book.positions[SYMBOL][1]
    service.store.positions.upsert(bot.id, Position(SYMBOL, qty, entry, ts_ms=0))  # by hand
    server.ids[SYMBOL].update(lotSz="10", minSz="10")  # OKX raises the lot: now dust
    return bot.id


async def test_a_stopped_okx_bots_dust_is_closed_with_close_position(rig) -> None:  # noqa: ANN001
    service, thread, server = rig
    bot_id = await _stopped_bot_with_dust(service, thread, server, Decimal(3))
    server.fail_next_close = "timeout_after_accept"  # OKX closes; the answer is lost (504)

    listed = await dust.list_dust(service, "dusty")
    assert [(d.qty, d.min_qty, d.mode) for d in listed] == [(3, 10, "testnet")]
    assert "close-position (POST /api/v5/trade/close-position) without a quantity" in (
        listed[0].close)
    done = await dust.close_dust(service, "tester", "dusty")
    assert len(done) == 1 and done[0].close.startswith("closed at okx by the order ")

    assert server.fail_next_close is None  # the fault fired: the order was looked up
    assert thread.requests.count(CLOSE) == 1  # sent once, never resent
    assert SYMBOL not in server.book.positions or server.book.positions[SYMBOL][0] == 0
    store = service.store
    order = next(o for o in store.orders.query(bot_id=bot_id) if o.tag == "dust")
    assert order.status is OrderStatus.FILLED and order.filled_qty == 3
    assert order.reduce_only and order.side is Side.SELL
    assert order.sent_ms is not None and order.journaled_ms <= order.sent_ms
    closing = [f for f in store.fills.query(bot_id=bot_id) if f.client_id == order.client_id]
    assert sum(f.qty for f in closing) == 3
    assert store.positions.get(bot_id, SYMBOL).qty == 0
    audit = store.audit.query(target=bot_id)[-1]
    assert audit.action == "ops.close_dust" and audit.after["client_id"] == order.client_id
    assert dust.find_dust(service, "dusty") == []


async def test_okx_dust_already_closed_at_the_venue_sends_nothing(rig) -> None:  # noqa: ANN001
    service, thread, server = rig
    bot_id = await _stopped_bot_with_dust(service, thread, server, Decimal(2))
    server.book.positions[SYMBOL] = (Decimal(0), Decimal(0))  # closed by hand at OKX
    await dust.list_dust(service, "dusty")
    with pytest.raises(Exception, match="okx holds 0 BTC-USDT-SWAP but the journal 2"):
        await dust.close_dust(service, "tester", "dusty")
    assert thread.requests.count(CLOSE) == 0
    assert store_qty(service, bot_id) == 2
    await asyncio.sleep(0)


def store_qty(service: DaemonService, bot_id: str) -> Decimal:
    return service.store.positions.get(bot_id, SYMBOL).qty
