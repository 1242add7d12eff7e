"""The local BitMEX server speaks the protocol: signatures, errors, limits, bins, websocket."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest
from yarl import URL

from plutarc.clock import ManualClock
from plutarc.exchanges.bitmex.auth import signature
from plutarc.exchanges.bitmex.timestamps import iso_to_ms
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.exchanges.bitmex_sim.config import EXAMPLE_API_KEY as KEY
from plutarc.exchanges.bitmex_sim.config import EXAMPLE_API_SECRET as SECRET

from .conftest import RESOURCES, sim_config


async def call(srv: SimServer, method: str, path_qs: str, body: bytes = b"", *,
               expires: int | None = None, sign: bool = True, secret: str = SECRET,
               key: str = KEY, content_type: str = "application/json",
               sig: str | None = None) -> tuple[int, Any, Any]:
    headers = {"Content-Type": content_type} if body else {}
    if sign:
        expires = expires if expires is not None else int(time.time()) + 30
        headers |= {"api-key": key, "api-expires": str(expires),
                    "api-signature": sig or signature(secret.encode(), method, path_qs,
                                                      expires, body)}
    async with aiohttp.ClientSession() as session, session.request(
        method, URL(srv.base_url + path_qs, encoded=True), data=body or None,
        headers=headers,
    ) as resp:
        return resp.status, json.loads(await resp.read() or b"null"), resp.headers.copy()


async def test_published_signing_examples_are_accepted():
    async with SimServer(sim_config(), auth_clock=ManualClock(1_518_064_230_000)) as srv:
        status, _, headers = await call(
            srv, "GET", "/api/v1/instrument", expires=1518064236,
            sig="c7682d435d0cfe87c16098df34ef2eb5a549d4c5a3c2b1f0f77b8af73423bf00")
        assert status == 200 and headers["x-ratelimit-limit"] == "120"
        status, rows, _ = await call(
            srv, "GET", "/api/v1/instrument?filter=%7B%22symbol%22%3A+%22XBTM15%22%7D",
            expires=1518064237,
            sig="e2f422547eecb5b3cb29ade2127e21b858b235b386bfa45e1c1756eb3383919f")
        assert (status, rows) == (200, [])
        body = (RESOURCES / "http/credential_post_order.json").read_bytes().strip()
        status, error, _ = await call(
            srv, "POST", "/api/v1/order", body, expires=1518064238,
            sig="1749cd2ccae4aa49048ae09f0b95110cee706e0944e6a14ad0b3a8cb45bd336b")
        # the signature passed; XBTM15 (2015) is simply not traded here
        assert status == 400 and "Invalid symbol" in error["error"]["message"]


async def test_authentication_failures(server):
    body = b'{"symbol":"XBTUSD","orderQty":100}'
    status, error, _ = await call(server, "POST", "/api/v1/order", body,
                                  sig="0" * 64)
    assert (status, error) == (401, {"error": {"message": "Signature not valid.",
                                               "name": "HTTPError"}})
    status, error, _ = await call(server, "GET", "/api/v1/order", expires=1_000_000)
    assert status == 400 and "expired" in error["error"]["message"]
    status, error, _ = await call(server, "GET", "/api/v1/order", key="nope")
    assert (status, error["error"]["message"]) == (401, "Invalid API Key.")
    status, error, _ = await call(server, "GET", "/api/v1/position", sign=False)
    assert status == 401


async def test_form_bodies_and_order_shapes(server):
    form = b"symbol=XBTUSD&side=Buy&orderQty=200&price=40000&clOrdID=form-1"
    status, row, headers = await call(server, "POST", "/api/v1/order", form,
                                      content_type="application/x-www-form-urlencoded")
    assert status == 200 and row["ordType"] == "Limit" and row["ordStatus"] == "New"
    assert row["leavesQty"] + row["cumQty"] == row["orderQty"] == 200
    assert row["timeInForce"] == "GoodTillCancel" and "x-ratelimit-remaining-1s" in headers
    status, error, _ = await call(server, "POST", "/api/v1/order", form,
                                  content_type="application/x-www-form-urlencoded")
    assert (status, error["error"]["message"]) == (400, "Duplicate clOrdID")
    bad_lot = b'{"symbol":"XBTUSD","orderQty":150,"price":40000}'
    status, error, _ = await call(server, "POST", "/api/v1/order", bad_lot)
    assert status == 400 and "lot size" in error["error"]["message"]
    cross = (b'{"symbol":"XBTUSD","orderQty":100,"price":99000,'
             b'"execInst":"ParticipateDoNotInitiate"}')
    status, row, _ = await call(server, "POST", "/api/v1/order", cross)
    assert status == 200 and row["ordStatus"] == "Canceled"  # post-only cancels, not rejects
    status, rows, _ = await call(server, "DELETE", "/api/v1/order", b'{"clOrdID":"form-1"}')
    assert status == 200 and rows[0]["ordStatus"] == "Canceled"
    status, rows, _ = await call(server, "DELETE", "/api/v1/order", b'{"clOrdID":"form-1"}')
    assert rows[0]["error"].startswith("Unable to cancel order due to existing state")
    status, error, _ = await call(server, "DELETE", "/api/v1/order", b'{"clOrdID":"ghost"}')
    assert status == 404


async def test_bins_limits_and_partial(server):
    now = server.exchange.now_ms
    status, rows, _ = await call(server, "GET", "/api/v1/trade/bucketed?binSize=1m&symbol="
                                 "XBTUSD&count=3&reverse=true", sign=False)
    assert status == 200 and iso_to_ms(rows[0]["timestamp"]) == now  # newest bin ends now
    assert rows[0]["open"] == rows[1]["close"]  # a bin opens at the previous close
    status, rows, _ = await call(server, "GET", "/api/v1/trade/bucketed?binSize=5m&symbol="
                                 "XBTUSD&count=2&reverse=true&partial=true", sign=False)
    assert iso_to_ms(rows[0]["timestamp"]) == now + 300_000  # the live bin comes first
    for query, message in (("binSize=2m", "binSize"), ("count=1001", "count")):
        status, error, _ = await call(server, "GET", f"/api/v1/trade/bucketed?symbol=XBTUSD&"
                                      f"{query}", sign=False)
        assert status == 400 and message in error["error"]["message"]


async def test_rate_limit_429_and_ban():
    config = sim_config(rate_limit_unauth_per_minute=2, ban_after_429s=2)
    async with SimServer(config) as srv:
        statuses = []
        for _ in range(5):
            status, body, headers = await call(srv, "GET", "/api/v1/instrument/active",
                                               sign=False)
            statuses.append(status)
            assert "x-ratelimit-reset" in headers
            if status == 429:
                assert body["error"]["name"] == "RateLimitError" and headers["Retry-After"]
        assert statuses == [200, 200, 429, 429, 403]


@pytest.mark.parametrize("kind", ["reject"])
async def test_control_api(server, kind):
    async with aiohttp.ClientSession() as session:
        async with session.post(server.base_url + "/control/fault",
                                json={"kind": "explode"}) as resp:
            assert resp.status == 400
        async with session.post(server.base_url + "/control/fault",
                                json={"kind": kind, "status": 503, "path": "/api/v1/instrument"}
                                ) as resp:
            assert resp.status == 200
        async with session.get(server.rest_url + "/instrument/active") as resp:
            assert resp.status == 503
            assert "overloaded" in (await resp.json())["error"]["message"]
        async with session.post(server.base_url + "/control/advance", json={"bars": 5}) as resp:
            assert (await resp.json())["moved"] == 5
        async with session.get(server.base_url + "/control/state") as resp:
            state = await resp.json()
    assert state["faults"] == [] and iso_to_ms(state["now"]) == server.exchange.now_ms


async def test_websocket_protocol(server):
    expires = int(time.time()) + 30
    async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url) as ws:
        welcome = await ws.receive_json()
        assert welcome["info"].startswith("Welcome to the BitMEX Realtime API")
        await ws.send_str(json.dumps({"op": "subscribe", "args": ["order"]}))
        refused = await ws.receive_json()
        assert refused["status"] == 401 and refused["request"]["args"] == ["order"]
        await ws.send_str(json.dumps({"op": "authKeyExpires", "args": [
            KEY, expires, signature(SECRET.encode(), "GET", "/realtime", expires, b"")]}))
        assert (await ws.receive_json())["success"] is True
        await ws.send_str(json.dumps({"op": "subscribe",
                                      "args": ["order", "tradeBin1m:XBTUSD", "nosuch"]}))
        frames = [await ws.receive_json() for _ in range(5)]
        assert frames[0]["subscribe"] == "order"
        assert frames[1]["table"] == "order" and frames[1]["action"] == "partial"
        assert frames[1]["keys"] == ["orderID"] and frames[1]["filter"]["account"] == 100001
        assert frames[2]["subscribe"] == "tradeBin1m:XBTUSD"
        assert frames[3]["action"] == "partial" and frames[3]["filter"] == {"symbol": "XBTUSD"}
        assert frames[4]["success"] is False and "Unknown table" in frames[4]["error"]
        await ws.send_str("ping")
        assert (await ws.receive()).data == "pong"
        server.advance(1)
        insert = await ws.receive_json()
        assert insert["table"] == "tradeBin1m" and insert["action"] == "insert"
        assert iso_to_ms(insert["data"][0]["timestamp"]) == server.exchange.now_ms
