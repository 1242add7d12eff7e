"""Gemini through ccxt against its local server: what the contract suite does not show.

The signed-header scheme is checked for real (a replayed nonce and a wrong signature are
refused), the market order goes out as an IOC limit through the price, a protective stop
goes out as a plain stop-limit (Gemini has no reduce-only flag: none is sent), a restarted
adapter reads its stop back by client id with its trigger, positions come from
/v1/positions (both answer forms), an amend is refused and changes nothing, and a backtest
runs on the venue's own recent candles."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from decimal import Decimal

import aiohttp
import pytest

from plutarc.errors import OrderRejected
from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.ccxt.replay import gemini
from tests.exchanges.ccxt.replay.core import ServerThread, now_ms

SYM = "btcgusdperp"
KEYS = CcxtCredentials(gemini.KEY, gemini.SECRET)


@pytest.fixture
def served() -> Iterator[tuple[gemini.GeminiServer, ServerThread]]:
    server = gemini.GeminiServer()
    thread = ServerThread(server.app).start()
    yield server, thread
    thread.stop()


def run(thread: ServerThread, body, credentials: CcxtCredentials = KEYS):  # noqa: ANN001, ANN201
    async def go():  # noqa: ANN202
        venue = CcxtVenue(PROFILES["gemini"], credentials=credentials, base_url=thread.url,
                          timeout_s=5)
        try:
            await venue.start()
            await venue.instrument(SYM)  # the bot's symbol
            return await body(venue)
        finally:
            await venue.close()
    return asyncio.run(go())


def _post(thread: ServerThread, path: str, fields: dict, nonce: int,
          secret: str = gemini.SECRET) -> tuple[int, dict]:
    payload = base64.b64encode(json.dumps({"request": path, "nonce": str(nonce),
                                           **fields}).encode()).decode()
    headers = {"X-GEMINI-APIKEY": gemini.KEY, "X-GEMINI-PAYLOAD": payload,
               "X-GEMINI-SIGNATURE": hmac.new(secret.encode(), payload.encode(),
                                              hashlib.sha384).hexdigest()}

    async def go() -> tuple[int, dict]:
        async with aiohttp.ClientSession() as s, s.post(thread.url + path,
                                                         headers=headers) as r:
            return r.status, await r.json()
    return asyncio.run(go())


def test_signatures_and_nonces_are_checked_as_gemini_does(served) -> None:  # noqa: ANN001
    _server, thread = served
    nonce = now_ms()
    assert _post(thread, "/v1/balances", {}, nonce)[0] == 200
    status, body = _post(thread, "/v1/balances", {}, nonce)  # the same nonce again
    assert status == 400 and body["reason"] == "InvalidNonce"
    status, body = _post(thread, "/v1/balances", {}, nonce + 1, secret="not-the-secret")
    assert status == 400 and body["reason"] == "InvalidSignature"
    status, body = _post(thread, "/v1/orders", {}, nonce + 2 - 60_000)  # a minute old
    assert status == 400 and body["reason"] == "InvalidNonce"


def test_no_market_type_reaches_gemini_and_a_market_order_is_an_ioc_limit(served) -> None:  # noqa: ANN001
    server, thread = served
    status, body = _post(thread, "/v1/order/new", {
        "symbol": SYM, "amount": "0.001", "price": "1", "side": "buy",
        "type": "exchange market"}, now_ms())
    assert status == 400 and body["reason"] == "InvalidOrderType"

    async def body_(v: CcxtVenue):
        return await v.place_order(OrderRequest("g1-entry", SYM, Side.BUY, OrderType.MARKET,
                                                Decimal("0.001")))
    order = run(thread, body_)
    [sent] = server.book.orders.values()
    ask = Decimal(str(server.tape.price())) + gemini.TICK
    assert sent.kind == "limit" and server.options[sent.venue_id] == ["immediate-or-cancel"]
    assert ask * Decimal("1.005") <= sent.price < ask * Decimal("1.005") + gemini.TICK
    assert order.status is OrderStatus.FILLED and order.request.price == sent.price


def test_a_protective_stop_is_a_plain_stop_limit_read_back_after_a_restart(served) -> None:  # noqa: ANN001
    server, thread = served

    async def place(v: CcxtVenue):
        await v.place_order(OrderRequest("g2-stop", SYM, Side.SELL, OrderType.STOP_LIMIT,
                                         Decimal("0.001"), price=Decimal("30000"),
                                         stop_price=Decimal("30500"), reduce_only=True))

    async def restarted(v: CcxtVenue):  # a fresh adapter: nothing in its book
        return await v.order_by_client_id("g2-stop"), await v.order_by_client_id("g2-never")
    run(thread, place)
    found, never = run(thread, restarted)
    [sent] = server.book.orders.values()
    assert (sent.kind, sent.stop, sent.price, sent.reduce_only) == (
        "stop_limit", Decimal("30500"), Decimal("30000"), False)  # no flag Gemini lacks
    assert found is not None and found.status is OrderStatus.NEW
    assert found.request.type is OrderType.STOP_LIMIT and found.venue_id == sent.venue_id
    assert (found.request.stop_price, found.request.price) == (Decimal("30500"),
                                                              Decimal("30000"))
    assert never is None


def test_a_bots_stop_market_rests_as_a_stop_limit_through_its_trigger(served) -> None:  # noqa: ANN001
    """A bot's protective stop is a stop-market; Gemini has none: the stop-limit standing in
    has its limit 0.5% through the trigger (rounded away from it), so it fills unless the
    price gaps further."""
    server, thread = served

    async def body(v: CcxtVenue):
        sell = await v.place_order(OrderRequest("g5-stop", SYM, Side.SELL,
                                                OrderType.STOP_MARKET, Decimal("0.001"),
                                                stop_price=Decimal("30500"), reduce_only=True))
        buy = await v.place_order(OrderRequest("g5-stop-short", SYM, Side.BUY,
                                               OrderType.STOP_MARKET, Decimal("0.001"),
                                               stop_price=Decimal("60001.5")))
        return sell, buy, await v.order_by_client_id("g5-stop")
    sell, buy, looked = run(thread, body)
    rows = {o.client_id: (o.kind, o.stop, o.price) for o in server.book.orders.values()}
    assert rows == {"g5-stop": ("stop_limit", Decimal("30500"), Decimal("30347.5")),
                    "g5-stop-short": ("stop_limit", Decimal("60001.5"), Decimal("60302.0"))}
    assert sell.request.type is OrderType.STOP_MARKET and sell.status is OrderStatus.NEW
    assert sell.request.price == Decimal("30347.5") and buy.request.price == Decimal("60302.0")
    assert looked is not None and looked.request.stop_price == Decimal("30500")


def test_an_undocumented_order_field_is_refused(served) -> None:  # noqa: ANN001
    _server, thread = served
    status, body = _post(thread, "/v1/order/new", {
        "symbol": SYM, "amount": "0.001", "price": "30000", "side": "buy",
        "type": "exchange limit", "reduceOnly": True}, now_ms())
    assert status == 400 and "reduceOnly" in body["message"]


@pytest.mark.parametrize("wrapped", [False, True])
def test_positions_long_then_short_from_either_answer_form(served, monkeypatch,
                                                           wrapped: bool) -> None:  # noqa: ANN001
    server, thread = served
    if wrapped:  # the current documentation's {"openPositions": [...]}
        bare = server.positions

        async def as_object(p: dict):  # noqa: ANN202
            rows = json.loads((await bare(p)).text)
            return aiohttp.web.json_response({"openPositions": rows})
        monkeypatch.setattr(server, "positions", as_object)

    async def body(v: CcxtVenue):
        await v.place_order(OrderRequest("g3-long", SYM, Side.BUY, OrderType.MARKET,
                                         Decimal("0.002")))
        long = await v.positions()
        await v.place_order(OrderRequest("g3-short", SYM, Side.SELL, OrderType.MARKET,
                                         Decimal("0.005")))
        return long, await v.positions()
    long, short = run(thread, body)
    assert [(p.symbol, p.qty) for p in long] == [(SYM, Decimal("0.002"))]
    assert [(p.symbol, p.qty) for p in short] == [(SYM, Decimal("-0.003"))]
    assert long[0].entry_price is not None and long[0].entry_price > 0


def test_an_amend_is_refused_and_the_order_stays(served) -> None:  # noqa: ANN001
    server, thread = served

    async def body(v: CcxtVenue):
        await v.place_order(OrderRequest("g4-limit", SYM, Side.BUY, OrderType.LIMIT,
                                         Decimal("0.001"), price=Decimal("30000")))
        with pytest.raises(OrderRejected, match="stays as it is"):
            await v.amend_order("g4-limit", price=Decimal("30500"))
        return await v.order_by_client_id("g4-limit")
    after = run(thread, body)
    [order] = server.book.orders.values()
    assert order.status == "new" and order.price == Decimal("30000")
    assert after is not None and after.request.price == Decimal("30000")
    assert [p for m, p in thread.requests if p in ("/v1/order/new", "/v1/order/cancel")] == [
        "/v1/order/new"]  # nothing sent for the amend


def test_a_backtest_runs_on_geminis_recent_candles(tmp_path, monkeypatch, capsys) -> None:  # noqa: ANN001
    """`backtest run --venue gemini`: Gemini serves only a recent window of candles (one day
    of 1m bars), so the range is the last hours; the contract comes from the venue."""
    from datetime import UTC, datetime

    from plutarc.cli.main import run as cli

    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path))
    thread = ServerThread(gemini.GeminiServer().app).start()
    now = now_ms()
    end = now - now % 3_600_000 - 3_600_000  # whole hours, all closed
    fmt = "%Y-%m-%dT%H:%M"
    start = datetime.fromtimestamp((end - 6 * 3_600_000) / 1000, UTC).strftime(fmt)
    try:
        code = cli(["backtest", "run", "scalp_1m", "--venue", "gemini", "--venue-url",
                    thread.url, "--symbol", SYM, "--from", start, "--to",
                    datetime.fromtimestamp(end / 1000, UTC).strftime(fmt), "--json"])
    finally:
        thread.stop()
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    assert result["bars"] == 6 * 60 and result["symbol"] == SYM
