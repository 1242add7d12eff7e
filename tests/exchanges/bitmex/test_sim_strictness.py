"""The local BitMEX server is at least as strict as BitMEX: one test per rule, over HTTP."""

from __future__ import annotations

import json

import aiohttp

from plutarc.exchanges.bitmex.timestamps import iso_to_ms
from plutarc.exchanges.bitmex_sim import SimServer

from .conftest import load, sim_config
from .test_sim_server import call

H = 3_600_000


async def order(srv: SimServer, **fields) -> tuple[int, dict]:
    status, row, _ = await call(srv, "POST", "/api/v1/order", json.dumps(fields).encode())
    return status, row


def recorded(name: str) -> dict:
    return {r["ordType"] + "/" + (r["execInst"] or "-"): r for r in load(name)}


async def test_a_market_order_is_answered_filled(server):
    real = recorded("http/order_replies_2019.json")["Market/-"]
    status, row = await order(server, symbol="XBTUSD", side="Buy", orderQty=100,
                              ordType="Market")
    assert status == 200
    for field in ("ordStatus", "timeInForce", "workingIndicator", "leavesQty"):
        assert row[field] == real[field], field  # Filled, IOC, not working, nothing left
    assert row["cumQty"] == row["orderQty"] == 100 and row["avgPx"] is not None
    trades = [r for r in server.exchange.executions if r["execType"] == "Trade"]
    assert trades and trades[-1]["orderID"] == row["orderID"]


async def test_reduce_only_and_close_that_cannot_reduce_are_canceled_not_refused(server):
    real = recorded("http/order_replies_2019.json")["Limit/Close"]
    status, row = await order(server, symbol="XBTUSD", side="Buy", orderQty=100,
                              price=30000, execInst="Close")
    assert status == 200 and row["ordStatus"] == real["ordStatus"] == "Canceled"
    assert row["text"] == real["text"]  # BitMEX's words, byte for byte
    await order(server, symbol="XBTUSD", side="Buy", orderQty=200, ordType="Market")
    status, row = await order(server, symbol="XBTUSD", side="Buy", orderQty=100,
                              price=30000, execInst="ReduceOnly")  # would add to a long
    assert status == 200 and row["ordStatus"] == "Canceled"
    assert row["text"].startswith("Canceled: Order had execInst of Close or ReduceOnly and "
                                  "side of Buy but current position is 200\n")
    status, row = await order(server, symbol="XBTUSD", side="Sell", orderQty=100,
                              price=60000, execInst="ReduceOnly")  # reduces: works
    assert status == 200 and row["ordStatus"] == "New"
    assert server.exchange.executions[-1]["execType"] == "New"


async def test_funding_is_paid_at_04_12_and_20_utc(server):
    _, rows, _ = await call(server, "GET", "/api/v1/funding?reverse=true&count=6")
    hours = {iso_to_ms(r["timestamp"]) % (24 * H) // H for r in rows}
    assert hours == {4, 12, 20}
    _, (inst,), _ = await call(server, "GET", "/api/v1/instrument?symbol=XBTUSD")
    assert iso_to_ms(inst["fundingTimestamp"]) % (24 * H) // H in (4, 12, 20)
    await order(server, symbol="XBTUSD", side="Buy", orderQty=1000, ordType="Market")
    server.advance(8 * 60)
    paid = [r for r in server.exchange.executions if r["execType"] == "Funding"]
    assert paid and all(iso_to_ms(r["timestamp"]) % (8 * H) == 4 * H for r in paid)


async def test_max_order_qty_and_max_price_are_refused(server):
    row = server.exchange.instrument_rows["XBTUSD"]
    status, error = await order(server, symbol="XBTUSD", side="Buy",
                                orderQty=row["maxOrderQty"] + 100, price=30000)
    assert status == 400 and "maxOrderQty" in error["error"]["message"]
    status, error = await order(server, symbol="XBTUSD", side="Sell", orderQty=100,
                                price=row["maxPrice"] + 1)
    assert status == 400 and "maxPrice" in error["error"]["message"]
    assert server.exchange.orders == {}


async def test_at_most_ten_stop_orders_per_symbol():
    async with SimServer(sim_config(order_limit_per_second=1000)) as server:
        await _ten_stops(server)


async def _ten_stops(server: SimServer) -> None:
    for k in range(10):
        status, _ = await order(server, symbol="XBTUSD", side="Buy", orderQty=100,
                                stopPx=60000 + k, ordType="Stop")
        assert status == 200
    status, error = await order(server, symbol="XBTUSD", side="Buy", orderQty=100,
                                stopPx=61000, ordType="Stop")
    assert status == 400 and "at most 10" in error["error"]["message"]
    status, _ = await order(server, symbol="XBTUSD", side="Buy", orderQty=100, price=30000)
    assert status == 200  # a plain limit is still fine


async def test_at_most_200_open_orders():
    async with SimServer(sim_config(order_limit_per_second=1000,
                                    rate_limit_per_minute=1000)) as server:
        await _two_hundred(server)


async def _two_hundred(server: SimServer) -> None:
    for k in range(200):
        status, _ = await order(server, symbol="XBTUSD", side="Buy", orderQty=100,
                                price=20000 + k)
        assert status == 200, k
    status, error = await order(server, symbol="XBTUSD", side="Buy", orderQty=100,
                                price=19000)
    assert status == 400 and "at most 200" in error["error"]["message"]


async def test_leverage_above_the_initial_margin_cap_is_refused(server):
    status, error, _ = await call(server, "POST", "/api/v1/position/leverage",
                                  b'{"symbol":"XBTUSD","leverage":100.01}')
    assert status == 400 and "leverage" in error["error"]["message"]
    status, _, _ = await call(server, "POST", "/api/v1/position/leverage",
                              b'{"symbol":"XBTUSD","leverage":100}')  # 1 / initMargin 0.01
    assert status == 200


async def test_resting_reduce_only_orders_are_amended_down_when_the_position_shrinks(server):
    await order(server, symbol="XBTUSD", side="Buy", orderQty=300, ordType="Market")
    _, limit = await order(server, symbol="XBTUSD", side="Sell", orderQty=300, price=90000,
                           execInst="ReduceOnly")
    _, stop = await order(server, symbol="XBTUSD", side="Sell", orderQty=300, stopPx=20000,
                          execInst="ReduceOnly,LastPrice")
    _, bid = await order(server, symbol="XBTUSD", side="Buy", orderQty=300, price=20000)
    await order(server, symbol="XBTUSD", side="Sell", orderQty=100, ordType="Market")
    _, rows, _ = await call(server, "GET", "/api/v1/order?reverse=true&count=10")
    by_id = {r["orderID"]: r for r in rows}
    for mine in (limit, stop):  # never more than the 200 left to reduce
        assert (by_id[mine["orderID"]]["orderQty"], by_id[mine["orderID"]]["leavesQty"]) == (
            200, 200)
        assert by_id[mine["orderID"]]["ordStatus"] == "New"
    assert by_id[bid["orderID"]]["orderQty"] == 300  # not reduce-only: untouched
    replaced = {r["orderID"] for r in server.exchange.executions if r["execType"] == "Replaced"}
    assert {limit["orderID"], stop["orderID"]} <= replaced


def _bar_with_a_dip(server: SimServer) -> float:
    """Advance to just before a bar that trades 3+ dollars below both its open and its close;
    returns a sell-stop level inside that dip (on XBTUSD's tick)."""
    market = server.exchange.venues["XBTUSD"].market
    while True:
        i = market.cursor
        floor = min(market.open[i], market.close[i], market.last_close)
        if market.low[i] < floor - 3:
            return float(int(floor) - 1)
        server.advance(1)


async def test_stops_trigger_on_mark_and_index_as_well_as_last_price(server):
    await order(server, symbol="XBTUSD", side="Buy", orderQty=500, ordType="Market")
    level = _bar_with_a_dip(server)
    stops = {}
    for reference in ("LastPrice", "MarkPrice", "IndexPrice", ""):
        _, row = await order(server, symbol="XBTUSD", side="Sell", orderQty=100,
                             stopPx=level, ordType="Stop",
                             execInst=",".join(filter(None, ("ReduceOnly", reference))))
        stops[reference or "default"] = row["orderID"]
    server.advance(1)  # the bar dips through the level but closes above it
    status = {k: server.exchange.orders[v]["ordStatus"] for k, v in stops.items()}
    # last price sees the dip; the mark (the default reference) and the index do not
    assert status == {"LastPrice": "Filled", "MarkPrice": "New", "IndexPrice": "New",
                      "default": "New"}
    async with aiohttp.ClientSession() as session, session.post(
            server.base_url + "/control/mark",
            json={"symbol": "XBTUSD", "price": level - 10}) as resp:
        assert resp.status == 200
    assert {server.exchange.orders[v]["ordStatus"] for v in stops.values()} == {"Filled"}
    _, (position,), _ = await call(server, "GET", "/api/v1/position")
    assert position["currentQty"] == 100  # 500 long, four reduce-only sells of 100


async def test_trailing_stops_move_at_most_once_a_second_and_by_at_least_0_1_percent(server):
    await order(server, symbol="XBTUSD", side="Buy", orderQty=100, ordType="Market")
    _, row = await order(server, symbol="XBTUSD", side="Sell", orderQty=100, ordType="Stop",
                         pegPriceType="TrailingStopPeg", pegOffsetValue=-2000,
                         execInst="ReduceOnly,LastPrice")
    venue = server.exchange.venues["XBTUSD"]
    working = venue.engine.open[server.exchange.specs[row["orderID"]][1]]
    moves, held_back = [], 0
    for _ in range(600):
        best, now = working.best_f, server.exchange.now_ms
        high = float(venue.market.high[venue.market.cursor])
        server.advance(1)
        if working.best_f != best:
            moves.append((server.exchange.now_ms - now, working.best_f / best - 1))
        elif best < high:
            held_back += 1  # a new high by less than 0.1 %: the stop stayed where it was
    assert moves and held_back
    assert all(elapsed_ms >= 1000 and moved >= 0.001 for elapsed_ms, moved in moves)


async def test_xbtusd_is_served_from_the_recent_row_on_a_0_1_tick(server):
    _, (inst,), _ = await call(server, "GET", "/api/v1/instrument?symbol=XBTUSD")
    recorded_row = load("http/instrument_xbtusd_2024-11.json")
    recorded_row = recorded_row[0] if isinstance(recorded_row, list) else recorded_row
    for field in ("tickSize", "lotSize", "maxOrderQty", "maxPrice", "initMargin",
                  "maintMargin", "makerFee", "takerFee", "riskLimit", "riskStep"):
        assert inst[field] == recorded_row[field], field
    assert inst["tickSize"] == 0.1
    status, _ = await order(server, symbol="XBTUSD", side="Buy", orderQty=100, price=30000.1)
    assert status == 200
    status, error = await order(server, symbol="XBTUSD", side="Buy", orderQty=100,
                                price=30000.05)
    assert status == 400 and "0.1" in error["error"]["message"]


async def test_a_position_past_the_base_risk_limit_is_refused():
    balances = {"XBt": 300_000_000, "USDt": 100_000_000_000}  # 3 XBT
    async with SimServer(sim_config(starting_balances=balances)) as server:
        status, _, _ = await call(server, "POST", "/api/v1/position/leverage",
                                  b'{"symbol":"XBTUSD","leverage":100}')
        assert status == 200
        # 9,000,000 USD at ~44,000 is ~204 XBT: past XBTUSD's 200 XBT (2e10 XBt) risk limit
        status, error = await order(server, symbol="XBTUSD", side="Buy", orderQty=9_000_000,
                                    ordType="Market")
        assert status == 400 and "risk limit" in error["error"]["message"]
        status, row = await order(server, symbol="XBTUSD", side="Buy", orderQty=8_000_000,
                                  ordType="Market")
        assert status == 200 and row["ordStatus"] == "Filled"
