"""Issue 14 item 9: the websocket order table is bounded, but an open order is never evicted
(its later fill or cancel would have no row to merge into and be lost)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.latency import LatencyBook
from plutarc.exchanges.bitmex.parse_market import instrument_from_wire
from plutarc.exchanges.bitmex.schemas import WireInstrument
from plutarc.exchanges.bitmex.tables import TableStore
from plutarc.models import OrderStatus

from .conftest import load

REAL_ORDER = load("http/orders_real_2020_2022.json")[0]  # a real testnet order row


def order_frame(action: str, rows: list[dict]) -> dict:
    return {"table": "order", "action": action, "keys": ["orderID"], "filter": {},
            "data": rows}


def finished(i: int) -> dict:
    return {**REAL_ORDER, "orderID": f"done-{i}", "clOrdID": f"done-{i}", "ordStatus": "Filled"}


def test_open_orders_survive_a_flood_of_finished_ones():
    store = TableStore(max_rows=2000)
    open_row = {**REAL_ORDER, "orderID": "resting-stop", "ordStatus": "New"}
    store.apply(order_frame("partial", [open_row]))
    for i in range(2500):
        store.apply(order_frame("insert", [finished(i)]))
    rows = store.tables["order"].rows
    assert len(rows) == 2000
    assert ("resting-stop",) in rows  # the oldest row, but open: kept
    assert ("done-0",) not in rows and ("done-2499",) in rows
    # its update still merges
    _t, _a, merged = store.apply(order_frame("update", [{"orderID": "resting-stop",
                                                         "ordStatus": "Canceled"}]))
    assert merged and merged[0]["ordStatus"] == "Canceled"


def test_a_table_of_open_orders_grows_past_the_bound_rather_than_drop_one():
    store = TableStore(max_rows=10)
    store.apply(order_frame("partial", []))
    for i in range(15):
        store.apply(order_frame("insert", [{**REAL_ORDER, "orderID": f"o{i}",
                                            "ordStatus": "New"}]))
    assert len(store.tables["order"].rows) == 15
    store.apply(order_frame("update", [{"orderID": f"o{i}", "ordStatus": "Canceled"}
                                       for i in range(15)]))
    store.apply(order_frame("insert", [finished(0)]))
    assert len(store.tables["order"].rows) == 10  # terminal rows go again once allowed


async def test_the_feed_publishes_the_cancel_of_an_order_placed_before_the_flood():
    feed = Feed(DEFAULT_CURRENCIES, LatencyBook(16), max_rows=50)
    row = next(r for r in load("http/instrument_active_2021-07-22.json")
               if r["symbol"] == "XBTUSD")
    feed.set_instruments([instrument_from_wire(WireInstrument.of(row), DEFAULT_CURRENCIES)])
    xbt = {**REAL_ORDER, "symbol": "XBTUSD", "ordStatus": "New", "orderID": "mine",
           "clOrdID": "mine", "leavesQty": 1, "cumQty": 0}
    feed.on_frame(order_frame("partial", [xbt]), 0)
    for i in range(120):
        feed.on_frame(order_frame("insert", [{**finished(i), "symbol": "XBTUSD"}]), 0)
    updates = feed.order_updates.subscribe()
    feed.on_frame(order_frame("update", [{"orderID": "mine", "ordStatus": "Canceled",
                                          "leavesQty": 0}]), 0)
    order = await asyncio.wait_for(anext(updates), 1)
    assert order.client_id == "mine" and order.status is OrderStatus.CANCELED
    assert order.filled_qty == Decimal(0)
    await updates.aclose()
