"""A local OKX v5 WebSocket server on top of the REST one (replay/okx.py).

As OKX runs it: /ws/v5/business carries candles ({"op": "subscribe", "args": [{"channel":
"candle1m", "instId": ...}]}, pushed as [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]
with confirm "1" once final); /ws/v5/private needs {"op": "login", "args": [{"apiKey",
"passphrase", "timestamp" (Unix seconds, within 30 s), "sign": base64 HMAC-SHA256 of
timestamp + "GET" + "/users/self/verify"}]} before the "orders" channel, whose pushes carry
an order's state and, for a fill, its tradeId/fillSz/fillPx. Text "ping" gets "pong".
Demo trading (the REST server's ``demo``) is reached with ``?brokerId=9999`` on the socket URL
(wspap.okx.com's form): a login from the other environment is refused, as REST refuses a
request without (or with) the x-simulated-trading header.
Bodies are the recorded payloads in tests/fixtures/okx/ws/ with the order's, fill's and
bar's own values filled in.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
from typing import Any

from aiohttp import web

from tests.exchanges.ccxt.replay.core import FIXTURES, Resting, ServerThread, Trade, now_ms
from tests.exchanges.ccxt.replay.okx import BARS, KEY, PASSPHRASE, SECRET, STATE, OkxServer
from tests.exchanges.ccxt.ws.hub import Hub, Sock

DIR = FIXTURES / "okx" / "ws"


def _load(name: str) -> dict:
    return json.loads((DIR / name).read_text())


class OkxWs:
    def __init__(self, rest: OkxServer | None = None) -> None:
        # the REST server whose book the sockets announce: the test's own (its tape,
        # testnet/demo mode) or a default one
        self.rest = rest if rest is not None else OkxServer()
        self.hub = Hub(self.rest.book, self.rest.tape)
        self.hub.render_order = self.order
        self.hub.render_trade = self.fill
        self.hub.render_bar = self.candle

    def app(self) -> web.Application:
        app = self.rest.app()
        for access in ("public", "private", "business"):
            app.router.add_get(f"/ws/v5/{access}", self._socket(access))
        app.on_startup.append(self.hub.start)
        app.on_shutdown.append(self.hub.stop)
        return app

    def serve(self) -> ServerThread:
        thread = ServerThread(self.app).start()
        self.hub.thread = thread
        return thread

    def _socket(self, access: str):  # noqa: ANN202 - an aiohttp handler
        async def handler(request: web.Request) -> web.StreamResponse:
            ws = await self.hub.accept(request)
            if not isinstance(ws, web.WebSocketResponse):
                return ws
            sock = Sock(ws)
            sock.topics.add(f"access:{access}")
            if request.query.get("brokerId") == "9999":
                sock.topics.add("env:demo")
            return await self.hub.serve(ws, sock, self._op)
        return handler

    async def _op(self, sock: Sock, message: dict) -> None:
        conn = secrets.token_hex(4)
        if message.get("op") == "login":
            await self._login(sock, message, conn)
        elif message.get("op") == "subscribe":
            await self._subscribe(sock, message, conn)
        else:
            await self.hub.send(sock, {"event": "error", "code": "60012", "connId": conn,
                                       "msg": f"Illegal request: {json.dumps(message)}"})

    async def _login(self, sock: Sock, message: dict, conn: str) -> None:
        arg = (message.get("args") or [{}])[0]
        stamp = str(arg.get("timestamp", "0"))
        want = base64.b64encode(hmac.new(SECRET.encode(), f"{stamp}GET/users/self/verify"
                                         .encode(), hashlib.sha256).digest()).decode()
        fresh = stamp.isdigit() and abs(int(stamp) - now_ms() / 1000) < 30  # venue clock
        good = ("access:public" not in sock.topics and arg.get("apiKey") == KEY
                and arg.get("passphrase") == PASSPHRASE and fresh
                and hmac.compare_digest(str(arg.get("sign", "")), want))
        if good and self.rest.demo != ("env:demo" in sock.topics):
            # a key of the other environment: refused in REST's words
            self.hub.log.append(("login", False))
            await self.hub.send(sock, {"event": "error", "code": "50101", "connId": conn,
                                       "msg": "APIKey does not match current environment"})
            return
        sock.private = good
        self.hub.log.append(("login", good))
        if good:
            await self.hub.send(sock, {"event": "login", "code": "0", "msg": "",
                                       "connId": conn})
        else:
            await self.hub.send(sock, {"event": "error", "code": "60009",
                                       "msg": "Login failed.", "connId": conn})

    async def _subscribe(self, sock: Sock, message: dict, conn: str) -> None:
        for arg in message.get("args") or []:
            channel = str(arg.get("channel", ""))
            bar = channel.removeprefix("candle")
            if channel == "orders" and sock.private and "access:private" in sock.topics:
                sock.topics.add("orders")
            elif (channel.startswith("candle") and bar in BARS and "access:business" in
                  sock.topics and arg.get("instId") in self.rest.ids):
                sock.topics.add(f"{arg['instId']}|{bar}|{BARS[bar]}")
            else:
                await self.hub.send(sock, {"event": "error", "code": "60018", "connId": conn,
                                           "msg": f"channel:{channel} doesn't exist"})
                continue
            self.hub.log.append(("subscribe", channel))
            ack = _load("subscribe_ack.json")
            ack.update(arg=arg, connId=conn)
            await self.hub.send(sock, ack)

    # -- messages -----------------------------------------------------------------------------
    def candle(self, topic: str, bar: tuple, closed: bool) -> dict[str, Any]:
        inst, interval, _ = topic.split("|")
        body = _load("ws_candle.json")
        open_ms, o, h, low, c, v = bar
        body["arg"] = {"channel": f"candle{interval}", "instId": inst}
        body["data"] = [[str(open_ms), f"{o:.1f}", f"{h:.1f}", f"{low:.1f}", f"{c:.1f}",
                         f"{v:.3f}", f"{v:.3f}", f"{v * c:.4f}", "1" if closed else "0"]]
        return body

    def _push(self, o: Resting, ts: int) -> tuple[dict, dict]:
        body = copy.deepcopy(_load("ws_orders.json"))
        body["arg"] = {"channel": "orders", "instType": "ANY", "uid": "77982378738415879"}
        row = body["data"][0]
        row.update(instId=o.symbol, instType="SWAP", clOrdId=o.client_id, ordId=o.venue_id,
                   ordType="limit" if o.price is not None else "market", side=o.side,
                   posSide="net", px=str(o.price or ""), sz=str(o.qty), state=STATE[o.status],
                   accFillSz=str(o.filled), avgPx=str(o.avg or ""), tdMode="cross",
                   reduceOnly=str(o.reduce_only).lower(), cTime=str(o.created_ms),
                   uTime=str(ts), fillSz="0", fillPx="", tradeId="", fillTime="", fee="0",
                   execType="", lever="10")
        body["_channel"] = "orders"
        return body, row

    def order(self, o: Resting) -> list[dict]:
        if o.status == "filled" or o.kind.startswith("stop"):
            return []  # a fill's push carries the filled state; stops are algo orders
        return [self._push(o, o.updated_ms)[0]]

    def fill(self, t: Trade) -> list[dict]:
        body, row = self._push(t.order, t.ts_ms)
        row.update(fillSz=str(t.qty), fillPx=str(t.price), tradeId=t.trade_id,
                   fillTime=str(t.ts_ms), fee=str(-t.fee), feeCcy="USDT",
                   execType="M" if t.maker else "T", avgPx=str(t.price))
        return [body]
