"""Issue 14 item 5: one unknown venue value costs its row, never the stream or the account.

Recorded real rows (2017 execution, 2020 margin, nautilus order) are changed in a copy to
carry a value no release knows yet, then fed through the adapter's feed and live streams.
"""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal

from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.latency import LatencyBook
from plutarc.exchanges.bitmex.parse_market import instrument_from_wire
from plutarc.exchanges.bitmex.schemas import WireInstrument
from plutarc.models import OrderRequest, OrderType, Side

from .conftest import RESOURCES, adapter_for, load

D = Decimal


def real_execution() -> dict:
    """The real 2017 XBTZ17 Trade execution (QE), as recorded."""
    lines = (RESOURCES / "ws/private_frames_real.jsonl").read_text().splitlines()
    return json.loads(lines[0])["data"][0]


def feed_trading_xbtz17() -> Feed:
    feed = Feed(DEFAULT_CURRENCIES, LatencyBook(16))
    rows = load("http/instrument_active_2021-07-22.json")
    row = next(r for r in rows if r["symbol"] == "XBTZ21")
    # the same contract spec as XBTZ17, under the symbol of the recorded execution
    feed.set_instruments([instrument_from_wire(WireInstrument.of({**row, "symbol": "XBTZ17"}),
                                               DEFAULT_CURRENCIES)])
    for table in ("execution", "order"):
        feed.on_frame({"table": table, "action": "partial", "keys": ["execID"] if
                       table == "execution" else ["orderID"], "filter": {}, "data": []}, 0)
    return feed


async def test_unknown_exec_type_on_another_owners_row_is_skipped_and_logged_once(caplog):
    feed = feed_trading_xbtz17()
    fills = feed.fills.subscribe()
    alerts = feed.triage.alerts.subscribe()
    real = real_execution()
    foreign = {**real, "symbol": "ETHUSD", "clOrdID": "", "execType": "FutureExecType"}
    with caplog.at_level(logging.WARNING, "plutarc.exchanges.bitmex.rows"):
        for i in range(3):
            feed.on_frame({"table": "execution", "action": "insert",
                           "data": [{**foreign, "execID": f"x{i}"}]}, 0)
    assert sum("FutureExecType" in r.getMessage() for r in caplog.records) == 1
    assert feed.triage.skipped == 3
    feed.on_frame({"table": "execution", "action": "insert", "data": [real]}, 0)
    fill = await asyncio.wait_for(anext(fills), 1)  # the stream is still up
    assert fill.fill_id == real["execID"] and fill.price == 10082
    assert feed.triage.alerts.published == 0
    await fills.aclose()
    await alerts.aclose()


async def test_unknown_values_on_our_own_order_raise_an_alert_and_the_stream_stays_up():
    feed = feed_trading_xbtz17()
    real = real_execution()
    ours = real["clOrdID"]
    feed.requests[ours] = OrderRequest(ours, "BTCUSD-Z17", Side.SELL, OrderType.MARKET, D(1))
    fills = feed.fills.subscribe()
    alerts = feed.triage.alerts.subscribe()
    feed.on_frame({"table": "execution", "action": "insert",
                   "data": [{**real, "execID": "new-type", "execType": "FutureExecType"}]}, 0)
    alert = await asyncio.wait_for(anext(alerts), 1)
    assert alert.client_id == ours and "FutureExecType" in alert.message
    feed.on_frame({"table": "execution", "action": "insert", "data": [real]}, 0)
    assert (await asyncio.wait_for(anext(fills), 1)).fill_id == real["execID"]
    # an order row of ours with an unknown ordStatus: alert, the order stream stays up
    orders = feed.order_updates.subscribe()
    order_row = {**load("http/orders.json")[0], "symbol": "XBTZ17", "clOrdID": ours}
    feed.on_frame({"table": "order", "action": "insert",
                   "data": [{**order_row, "ordStatus": "Parked"}]}, 0)
    assert "ordStatus: 'Parked'" in (await asyncio.wait_for(anext(alerts), 1)).message
    feed.on_frame({"table": "order", "action": "insert",
                   "data": [{**order_row, "orderID": "next"}]}, 0)
    assert (await asyncio.wait_for(anext(orders), 1)).venue_id == "next"
    for stream in (fills, alerts, orders):
        await stream.aclose()


def test_an_unknown_currency_row_does_not_fail_balances():
    feed = feed_trading_xbtz17()
    margin = load("http/margin_2020.json")
    margin = margin[0] if isinstance(margin, list) else margin
    assert feed.balance_from_row({**margin, "currency": "LAMp"}) is None
    assert feed.balance_from_row(margin).currency == "BTC"


async def test_balances_skip_a_currency_we_do_not_know(server):
    venue = adapter_for(server)
    xbt = server.exchange.margins["XBt"]
    server.exchange.margins["LAMp"] = {**xbt, "currency": "LAMp"}
    try:
        currencies = sorted(b.currency for b in await venue.balances())
        assert currencies == ["BTC", "USDT"]
    finally:
        del server.exchange.margins["LAMp"]
        await venue.close()


async def test_a_foreign_row_with_an_unknown_exec_type_leaves_the_live_stream_up(server):
    venue = adapter_for(server)
    await venue.start()
    fills = venue.stream_fills()
    await venue.wait_streams_live()
    server.faults.arm({"kind": "foreign_row", "symbol": "ETHUSD", "value": "FutureExecType"})
    await venue.place_order(OrderRequest("after-foreign", "BTCUSD", Side.BUY,
                                         OrderType.MARKET, D(100)))
    server.advance(1)
    fill = await asyncio.wait_for(anext(fills), 3)
    assert fill.client_id == "after-foreign"
    assert venue.feed.triage.skipped >= 1 and "foreign_row" in " ".join(server.faults.history)
    await venue.close()
