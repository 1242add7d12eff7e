"""GET /v1/bots/{ref}/instruments and GET /v1/pnl against a real daemon process."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.daemon.client import DaemonClient
from plutarc.daemon.errors import NotFound
from plutarc.daemon.store import DaemonStore
from plutarc.models import Direction, Position, Trade
from tests.daemon.conftest import TEMPLATE, TEMPLATE_NAME, DaemonProcess
from tests.daemon.test_api import raw, spec


@pytest.fixture
async def client(daemon: DaemonProcess):
    async with daemon.client() as c:
        await c.put_template(TEMPLATE_NAME, TEMPLATE)
        yield c


async def test_instruments_give_tick_lot_and_settle_or_say_unknown(daemon: DaemonProcess,
                                                                   client: DaemonClient):
    await client.create_bot(spec("specs", venue="sim", symbols=("BTCUSDT", "ETHUSDT")))
    await client.create_bot(spec("nospec"))  # the idle venue has no contract specs

    sim = {i.symbol: i for i in await client.instruments("specs")}
    assert (sim["BTCUSDT"].known, sim["BTCUSDT"].settle, sim["BTCUSDT"].quote) == (
        True, "USDT", "USDT")
    assert sim["BTCUSDT"].tick == Decimal("0.00000001")
    assert sim["ETHUSDT"].lot == Decimal("0.00000001")
    [unknown] = await client.instruments("nospec")
    assert (unknown.known, unknown.tick, unknown.lot, unknown.settle) == (False, None, None, "?")
    _, body = await raw(daemon, "GET", "/v1/bots/specs/instruments")
    assert Decimal(body["instruments"][0]["tick"]) == Decimal("1E-8")  # exact, as a string
    every = [(i.bot_id, i.symbol) for i in await client.all_instruments()]
    assert {(sim["BTCUSDT"].bot_id, "BTCUSDT"), (unknown.bot_id, "BTCUSDT")} <= set(every)
    with pytest.raises(NotFound):
        await client.instruments("no-such-bot")


def trade(gross: str) -> Trade:
    return Trade("BTCUSDT", Direction.LONG, Decimal("1"), 1, Decimal(1), 2, Decimal(1),
                 Decimal(gross), Decimal(0), Decimal(0), "signal")


async def test_pnl_sums_closed_trades_exactly_and_adds_the_open_position(
        daemon: DaemonProcess, client: DaemonClient):
    bot = await client.create_bot(spec("earner"))
    store = DaemonStore.open(daemon.paths.database)
    try:
        for gross in ("0.10", "0.20", "-0.05"):  # floats would not sum these to 0.25 exactly
            store.trades.insert(bot.id, trade(gross))
        store.positions.upsert(bot.id, Position("BTCUSDT", Decimal("0.5"), Decimal(100),
                                                unrealised_pnl=Decimal("-1.5")))
        store.equity.insert(bot.id, 3_000, "USDT", Decimal("100"), Decimal("0"))
    finally:
        store.close()

    [row] = [r for r in await client.pnl() if r.bot_id == bot.id]
    assert (row.symbol, row.currency, row.trades) == ("BTCUSDT", "USDT", 3)
    assert (row.realised, row.unrealised) == (Decimal("0.25"), Decimal("-1.5"))

    store = DaemonStore.open(daemon.paths.database)  # a trade closes after the first read
    try:
        store.trades.insert(bot.id, trade("0.01"))
    finally:
        store.close()
    [row] = [r for r in await client.pnl() if r.bot_id == bot.id]
    assert (row.trades, row.realised) == (4, Decimal("0.26"))

    store = DaemonStore.open(daemon.paths.database)  # retention drops the oldest trade
    try:
        with store.transaction():
            store.db.execute("DELETE FROM trades WHERE id = (SELECT MIN(id) FROM trades)")
    finally:
        store.close()
    [row] = [r for r in await client.pnl() if r.bot_id == bot.id]
    assert (row.trades, row.realised) == (3, Decimal("0.16"))
