"""Order requests -> BitMEX bodies: types, instructions, rounding, trailing-stop sign."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.errors import OrderRejected, UsageError
from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES
from plutarc.exchanges.bitmex.orders import amend_body, close_body, order_body, wire_number
from plutarc.exchanges.bitmex.parse_market import instrument_from_wire
from plutarc.exchanges.bitmex.schemas import WireInstrument
from plutarc.models import OrderRequest, OrderType, Side, TimeInForce

from .conftest import load

XBTUSD = instrument_from_wire(WireInstrument.of(load("http/instrument_xbtusd_2024-11.json")),
                              DEFAULT_CURRENCIES)
D = Decimal


def req(**kw):
    base = {"client_id": "c1", "symbol": "BTCUSD", "side": Side.BUY, "type": OrderType.LIMIT,
            "qty": D(250), "price": D("97000.07")}
    base.update(kw)
    return OrderRequest(**base)


def test_limit_post_only_rounds_passively_and_to_lot():
    body = order_body(req(post_only=True), XBTUSD, "LastPrice")
    assert body == {"symbol": "XBTUSD", "side": "Buy", "orderQty": 200, "clOrdID": "c1",
                    "ordType": "Limit", "price": 97000.0, "timeInForce": "GoodTillCancel",
                    "execInst": "ParticipateDoNotInitiate"}
    sell = order_body(req(side=Side.SELL, time_in_force=TimeInForce.IOC), XBTUSD, "LastPrice")
    assert sell["price"] == 97000.1 and sell["timeInForce"] == "ImmediateOrCancel"


def test_market_stop_stop_limit_reduce_only():
    market = order_body(req(type=OrderType.MARKET, price=None, tag="entry"), XBTUSD, "MarkPrice")
    assert market["ordType"] == "Market" and "price" not in market
    assert market["text"] == "plutarc entry"
    stop = order_body(req(type=OrderType.STOP_MARKET, price=None, stop_price=D("95000.04"),
                          side=Side.SELL, reduce_only=True), XBTUSD, "MarkPrice")
    assert (stop["ordType"], stop["stopPx"], stop["execInst"]) == (
        "Stop", 95000.0, "MarkPrice,ReduceOnly")
    stop_limit = order_body(req(type=OrderType.STOP_LIMIT, stop_price=D(96000)), XBTUSD,
                            "LastPrice")
    assert stop_limit["ordType"] == "StopLimit" and stop_limit["price"] == 97000.0
    assert stop_limit["execInst"] == "LastPrice"


def test_native_trailing_stop_offset_sign():
    sell = order_body(req(type=OrderType.TRAILING_STOP, price=None, side=Side.SELL,
                          trail_offset=D("150.03")), XBTUSD, "LastPrice")
    assert sell["ordType"] == "Stop" and sell["pegPriceType"] == "TrailingStopPeg"
    assert sell["pegOffsetValue"] == -150.0
    buy = order_body(req(type=OrderType.TRAILING_STOP, price=None, trail_offset=D("150")),
                     XBTUSD, "LastPrice")
    assert buy["pegOffsetValue"] == 150


def test_refusals():
    with pytest.raises(OrderRejected, match="below one lot"):
        order_body(req(qty=D(99)), XBTUSD, "LastPrice")
    with pytest.raises(UsageError, match="1-36 characters"):
        order_body(req(client_id="x" * 37), XBTUSD, "LastPrice")
    with pytest.raises(UsageError, match="nothing to change"):
        amend_body("c1", XBTUSD, Side.BUY)


def test_close_and_amend_bodies():
    assert close_body("c9", XBTUSD, Side.SELL) == {
        "symbol": "XBTUSD", "side": "Sell", "clOrdID": "c9", "execInst": "Close",
        "ordType": "Market"}
    assert close_body("c9", XBTUSD, Side.SELL, D("99000.01"))["price"] == 99000.1
    assert amend_body("c1", XBTUSD, Side.BUY, qty=D(300), price=D("96999.99")) == {
        "origClOrdID": "c1", "orderQty": 300, "price": 96999.9}


def test_wire_numbers_are_exact():
    assert wire_number(D("97000.0")) == 97000 and isinstance(wire_number(D("97000.0")), int)
    assert repr(wire_number(D("0.00001234"))) == "1.234e-05"
    assert str(D(repr(wire_number(D("98765.4"))))) == "98765.4"


def test_amending_a_trailing_stop_sends_peg_offset_value_not_stop_px():
    trail = OrderType.TRAILING_STOP
    sell = amend_body("t1", XBTUSD, Side.SELL, trail_offset=D("250.04"), kind=trail)
    assert sell == {"origClOrdID": "t1", "pegOffsetValue": -250}  # a sell stop trails below
    buy = amend_body("t2", XBTUSD, Side.BUY, qty=D(300), trail_offset=D("-99.96"), kind=trail)
    assert buy == {"origClOrdID": "t2", "orderQty": 300, "pegOffsetValue": 100}
    with pytest.raises(UsageError, match="amend its trail offset \\(pegOffsetValue\\)"):
        amend_body("t1", XBTUSD, Side.SELL, stop_price=D(90000), kind=trail)
    with pytest.raises(UsageError, match="only a trailing stop has a trail offset"):
        amend_body("s1", XBTUSD, Side.SELL, trail_offset=D(10), kind=OrderType.STOP_MARKET)
    with pytest.raises(OrderRejected, match="rounds to zero ticks"):
        amend_body("t1", XBTUSD, Side.SELL, trail_offset=D("0.01"), kind=trail)
    stop = amend_body("s1", XBTUSD, Side.SELL, stop_price=D("90000.04"),
                      kind=OrderType.STOP_MARKET)
    assert stop == {"origClOrdID": "s1", "stopPx": 90000}
