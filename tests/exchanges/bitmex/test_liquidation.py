"""Liquidation and Bankruptcy executions are fills; the simulator liquidates as BitMEX does."""

from __future__ import annotations

import json
from decimal import Decimal

import aiohttp

from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES, BitmexConfig
from plutarc.exchanges.bitmex.parse import fill_from_wire
from plutarc.exchanges.bitmex.parse_market import instrument_from_wire
from plutarc.exchanges.bitmex.schemas import WireExecution, WireInstrument
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models import FillKind, Liquidity, Side

from .conftest import load
from .test_sim_server import call


def _xbtz21():
    rows = {r["symbol"]: r for r in load("http/instrument_active_2021-07-22.json")}
    return instrument_from_wire(WireInstrument.of(rows["XBTZ21"]), DEFAULT_CURRENCIES)


def test_liquidation_and_bankruptcy_rows_are_fills():
    inst = _xbtz21()  # the contract spec of the row's XBTZ17
    liquidation, bankruptcy = (fill_from_wire(WireExecution.of(r), inst, DEFAULT_CURRENCIES)
                               for r in load("ws/liquidation_executions.json"))
    assert liquidation.kind is FillKind.LIQUIDATION and bankruptcy.kind is FillKind.BANKRUPTCY
    assert liquidation.kind.forced and not FillKind.TRADE.forced
    assert (liquidation.side, liquidation.qty, liquidation.price) == (Side.SELL, 1, 10082)
    assert liquidation.fee == Decimal("0.00000007")  # execComm 7 sat
    # the engine's order: no clOrdID of ours, no liquidity flag (a taker)
    assert liquidation.client_id == "bitmex:7e7ec9f4-ec40-fdef-7ef4-da4834edcb08"
    assert liquidation.liquidity is Liquidity.TAKER
    # fetched and streamed like trades
    assert {"Trade", "Liquidation", "Bankruptcy"} <= set(BitmexConfig().fill_exec_types)


async def _control(srv: SimServer, path: str, payload: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.post(
            srv.base_url + path, json=payload) as resp:
        return resp.status, await resp.json()


async def _order(srv: SimServer, **fields) -> dict:
    status, row, _ = await call(srv, "POST", "/api/v1/order", json.dumps(fields).encode())
    assert status == 200, row
    return row


async def test_a_mark_past_the_liquidation_price_liquidates_as_bitmex_reports_it(server, adapter):
    await _order(server, symbol="XBTUSD", side="Buy", orderQty=1000, ordType="Market",
                 clOrdID="liq-long")
    server.advance(1)
    _, (position,), _ = await call(server, "GET", "/api/v1/position")
    liq = position["liquidationPrice"]
    assert position["currentQty"] == 1000 and liq is not None
    stop = await _order(server, symbol="XBTUSD", side="Sell", orderQty=1000, ordType="Stop",
                        stopPx=round(liq * 0.9), execInst="ReduceOnly,LastPrice",
                        clOrdID="liq-stop")
    bid = await _order(server, symbol="XBTUSD", side="Buy", orderQty=100, ordType="Limit",
                       price=round(liq * 0.8), clOrdID="liq-bid")
    status, error = await _control(server, "/control/mark", {"symbol": "XBTUSD"})
    assert status == 400 and "price" in error["error"]
    assert (await _control(server, "/control/mark", {"symbol": "XBTUSD", "price": liq + 50}
                           ))[1] == {"liquidations": 0}  # not crossed: nothing happens
    assert (await _control(server, "/control/mark", {"symbol": "XBTUSD", "price": liq - 50}
                           ))[1] == {"liquidations": 1}

    _, executions, _ = await call(server, "GET", "/api/v1/execution?reverse=true&count=5")
    row = executions[0]
    assert row["execType"] == "Liquidation" and row["clOrdID"] == ""
    assert (row["side"], row["lastQty"], row["ordStatus"]) == ("Sell", 1000, "Filled")
    assert row["lastPx"] <= liq and row["execComm"] > 0
    _, orders, _ = await call(server, "GET", "/api/v1/order?reverse=true&count=10")
    by_id = {o["orderID"]: o for o in orders}
    for mine in (stop, bid):  # the venue cancelled every working order of the symbol
        assert by_id[mine["orderID"]]["ordStatus"] == "Canceled"
        assert by_id[mine["orderID"]]["text"].startswith("Canceled: Position in liquidation")
    _, (position,), _ = await call(server, "GET", "/api/v1/position")
    assert position["currentQty"] == 0
    _, history, _ = await call(server, "GET", "/api/v1/execution/tradeHistory?reverse=true")
    assert history[0]["execID"] == row["execID"]  # balance-affecting, like a trade

    fills = await adapter.fills_since(0)
    assert [f.kind for f in fills] == [FillKind.TRADE, FillKind.LIQUIDATION]
    assert fills[1].qty == 1000 and fills[1].side is Side.SELL
    assert fills[1].client_id == f"bitmex:{row['orderID']}"


async def test_a_bar_through_the_liquidation_price_liquidates_too(server, adapter):
    # 100x: the liquidation price sits well inside one bar's range of the replayed data
    status, _, _ = await call(server, "POST", "/api/v1/position/leverage",
                              b'{"symbol":"XBTUSD","leverage":100}')
    assert status == 200
    await _order(server, symbol="XBTUSD", side="Buy", orderQty=1000, ordType="Market")
    for _ in range(4000):  # the 2024-01-03 sell-off is about 2,100 bars on
        server.advance(1)
        if any(r["execType"] == "Liquidation" for r in server.exchange.executions):
            break
    liquidations = [r for r in server.exchange.executions if r["execType"] == "Liquidation"]
    assert len(liquidations) == 1 and liquidations[0]["lastQty"] == 1000
    _, (position,), _ = await call(server, "GET", "/api/v1/position")
    assert position["currentQty"] == 0
