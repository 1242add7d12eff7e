"""Issue 22: the BitMEX adapter is composed of plain parts (core.py, account.py, trading.py,
market.py), each of which works alone over any ``http`` with BitmexHttp's ``request`` —
here a hand-written fake answering from recorded BitMEX payloads."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from plutarc.errors import UsageError
from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig
from plutarc.exchanges.bitmex.account import BitmexAccount
from plutarc.exchanges.bitmex.core import AdapterState, BitmexRest
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.instruments import InstrumentBook
from plutarc.exchanges.bitmex.latency import LatencyBook
from plutarc.exchanges.bitmex.ratelimit import Lane
from plutarc.exchanges.bitmex.trading import BitmexOrders
from plutarc.models import OrderStatus

from .conftest import load

INSTRUMENT = load("http/instrument_xbtusd_2024-11.json")  # one real XBTUSD row


@dataclass(frozen=True)
class Sent:
    verb: str
    path: str
    params: dict[str, Any] | None
    body: dict[str, Any] | None
    signed: bool
    idempotent: bool | None
    lane: Lane


class FakeHttp:
    """Answers each (verb, path) from a table; keeps every request it was sent."""

    def __init__(self, answers: dict[tuple[str, str], Any]) -> None:
        self.answers = answers
        self.sent: list[Sent] = []

    async def request(self, verb: str, path: str, *, params: dict[str, Any] | None = None,
                      body: dict[str, Any] | None = None, signed: bool = False,
                      idempotent: bool | None = None, timeout_s: float | None = None,
                      lane: Lane = Lane.NORMAL) -> Any:
        self.sent.append(Sent(verb, path, params, body, signed, idempotent, lane))
        return self.answers[(verb, path)]


def parts(answers: dict[tuple[str, str], Any]) -> tuple[FakeHttp, BitmexRest, BitmexAccount,
                                                        BitmexOrders]:
    config = BitmexConfig()
    http = FakeHttp({("GET", "/instrument/active"): [INSTRUMENT], **answers})
    rest = BitmexRest(http, config)
    latency = LatencyBook(16)
    feed = Feed(config.currencies, latency)
    book = InstrumentBook(config, rest.get, feed)
    account = BitmexAccount(rest, feed, book, config)
    orders = BitmexOrders(rest, feed, book, config, account, latency.get("rest_order_rtt_ms"),
                          can_trade=True)
    return http, rest, account, orders


async def test_the_account_part_reads_balances_from_a_recorded_margin_answer():
    http, _, account, _ = parts({("GET", "/user/margin"): load("http/margin_2020.json")})
    balances = await account.balances()
    assert [(b.currency, b.total) for b in balances] == [("BTC", Decimal("0.00263542"))]
    assert http.sent == [Sent("GET", "/user/margin", {"currency": "all"}, None, True, None,
                              Lane.NORMAL)]


async def test_the_orders_part_cancels_by_client_id_on_the_priority_lane():
    # test-made change: the recorded 2019 "Canceled" reply carried no clOrdID; ours is set
    row = {**load("http/order_replies_2019.json")[0], "clOrdID": "bot-BTCUSD-0000001-entry"}
    http, _, _, orders = parts({("DELETE", "/order"): [row]})
    await orders.book.load()
    cancelled = await orders.cancel_order("bot-BTCUSD-0000001-entry")
    assert cancelled.status is OrderStatus.CANCELED and cancelled.request.symbol == "BTCUSD"
    assert http.sent[-1] == Sent("DELETE", "/order", None,
                                 {"clOrdID": "bot-BTCUSD-0000001-entry"}, True, True,
                                 Lane.PRIORITY)


async def test_a_closed_rest_client_refuses_before_anything_is_sent():
    http, rest, account, orders = parts({})
    rest.state = AdapterState.CLOSED
    with pytest.raises(UsageError, match="closed"):
        await account.balances()
    with pytest.raises(UsageError, match="closed"):
        await orders.cancel_all("BTCUSD")
    assert http.sent == []


def test_the_adapter_holds_its_parts_on_one_http_session():
    adapter = BitmexAdapter(BitmexConfig())
    assert adapter.rest.http is adapter.http
    assert adapter.orders.rest is adapter.account.rest is adapter.market.rest is adapter.rest
    assert adapter.orders.book is adapter.account.book is adapter.book
    assert not adapter.can_trade  # no credentials: no orders of ours to look after
