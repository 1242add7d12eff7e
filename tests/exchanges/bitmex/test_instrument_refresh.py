"""Instruments: refreshed while running (real XBTUSD rows: tick 0.5 in 2021, 0.1 in 2024),
working orders re-rounded onto a changed grid, and name collisions refused at load."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from plutarc.errors import DataError
from plutarc.exchanges.bitmex import BitmexConfig
from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.instrument_refresh import InstrumentRefresher, off_grid
from plutarc.exchanges.bitmex.instruments import InstrumentBook
from plutarc.exchanges.bitmex.latency import LatencyBook
from plutarc.models import Order, OrderRequest, OrderStatus, OrderType, Side

from .conftest import load

D = Decimal
ROWS_2021 = load("http/instrument_active_2021-07-22.json")
XBTUSD_2024 = load("http/instrument_xbtusd_2024-11.json")
XBTUSD_2024 = XBTUSD_2024[0] if isinstance(XBTUSD_2024, list) else XBTUSD_2024


class ActiveStub:
    """GET /instrument/active answering whatever rows the test has set."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.calls = 0

    async def __call__(self, path: str, params: dict[str, Any] | None = None) -> Any:
        assert path == "/instrument/active"
        self.calls += 1
        return self.rows


def book_over(stub: ActiveStub) -> InstrumentBook:
    return InstrumentBook(BitmexConfig(), stub, Feed(DEFAULT_CURRENCIES, LatencyBook(16)))


async def test_a_refresh_takes_the_new_tick_and_fees_and_names_the_change(caplog):
    stub = ActiveStub(ROWS_2021)
    book = book_over(stub)
    assert (await book.get("BTCUSD")).tick_size == D("0.5")
    stub.rows = [XBTUSD_2024 if r["symbol"] == "XBTUSD" else r for r in ROWS_2021]
    await book.load()  # loaded once: no refresh unless asked
    assert stub.calls == 1 and (await book.get("BTCUSD")).tick_size == D("0.5")
    await book.load(refresh=True)
    new = await book.get("BTCUSD")
    assert (new.tick_size, new.maker_fee, new.taker_fee) == (D("0.1"), D("0.0005"),
                                                            D("0.0005"))
    ((old, changed),) = book.changed
    assert old.tick_size == D("0.5") and changed is new
    assert "BitMEX XBTUSD contract terms changed: tick_size 0.5 -> 0.1" in caplog.text
    await book.load(refresh=True)
    assert book.changed == []


async def test_two_venue_symbols_for_one_plutarc_name_are_refused_at_load(caplog):
    xbtusd = next(r for r in ROWS_2021 if r["symbol"] == "XBTUSD")
    twin = {**xbtusd, "symbol": "BTCUSD"}  # test-made: a listing that also becomes BTCUSD
    book = book_over(ActiveStub([*ROWS_2021, twin]))
    loaded = await book.load()
    assert "BTCUSD" not in {i.symbol for i in loaded}
    assert "ETHUSD" in {i.symbol for i in loaded}  # the rest of the venue is unaffected
    for name in ("BTCUSD", "XBTUSD"):
        with pytest.raises(DataError, match="XBTUSD and BTCUSD both become plutarc symbol "
                                            "BTCUSD; neither is loaded"):
            await book.get(name)
    assert "both become plutarc symbol BTCUSD" in caplog.text


def order(kind: OrderType, side: Side = Side.BUY, **kw: Any) -> Order:
    return Order(OrderRequest("c1", "BTCUSD", side, kind, kw.pop("qty", D(200)), **kw),
                 "v1", OrderStatus.NEW)


def test_off_grid_names_only_what_left_the_grid():
    tick_1 = load_inst(tickSize=1.0, lotSize=100)
    assert off_grid(order(OrderType.LIMIT, price=D("30000")), tick_1) == {}
    assert off_grid(order(OrderType.LIMIT, price=D("30000.5")), tick_1) == {
        "price": D("30000.5")}
    assert off_grid(order(OrderType.STOP_MARKET, stop_price=D("29000.5"), qty=D(250)),
                    tick_1) == {"stop_price": D("29000.5"), "qty": D(250)}
    assert off_grid(order(OrderType.TRAILING_STOP, Side.SELL, trail_offset=D("100.5")),
                    tick_1) == {"trail_offset": D("100.5")}


def load_inst(**changes: Any):
    from plutarc.exchanges.bitmex.parse_market import instrument_from_wire
    from plutarc.exchanges.bitmex.schemas import WireInstrument
    row = {**next(r for r in ROWS_2021 if r["symbol"] == "XBTUSD"), **changes}
    return instrument_from_wire(WireInstrument.of(row), DEFAULT_CURRENCIES)


async def test_working_orders_are_re_rounded_when_the_tick_coarsens(adapter, server):
    await adapter.start()
    market = server.exchange.venues["XBTUSD"].market
    price = D(int(market.last_close) - 500) + D("0.5")  # on the 0.5 tick, below the market
    await adapter.place_order(OrderRequest("grid-1", "BTCUSD", Side.BUY, OrderType.LIMIT,
                                           D(100), price=price))
    await adapter.place_order(OrderRequest("grid-2", "BTCUSD", Side.BUY, OrderType.LIMIT,
                                           D(100), price=price - D("0.5")))
    # test-made change: the served row's tick becomes 1 (a coarser grid than the orders')
    row = server.exchange.instrument_rows["XBTUSD"]
    server.exchange.instrument_rows["XBTUSD"] = {**row, "tickSize": 1.0}
    refresher = InstrumentRefresher(adapter, 0)
    amended = await refresher.run_once()
    assert [o.client_id for o in amended] == ["grid-1"]  # grid-2 was already on the grid
    assert (await adapter.instrument("BTCUSD")).tick_size == D(1)
    venue_order = await adapter.order_by_client_id("grid-1")
    assert venue_order.request.price == price - D("0.5")  # a bid rounds down, never up
    assert await refresher.run_once() == []  # nothing changed since


async def test_the_refresh_task_runs_between_start_and_close(server):
    from .conftest import adapter_for
    venue = adapter_for(server, instrument_refresh_s=0.05)
    try:
        await venue.start()
        refresher = venue.instrument_refresher
        while refresher.refreshes < 2:
            await asyncio.sleep(0.05)
    finally:
        await venue.close()
    assert refresher._task is None
