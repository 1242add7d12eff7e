"""A local Binance USD-M WebSocket server on top of the REST one (replay/binance.py).

The user data stream as Binance runs it: POST /fapi/v1/listenKey (API key header, no
signature) creates a key valid for 60 minutes, PUT extends it, the private socket is
/private/ws?listenKey=<key> (no subscribe message; a missing or expired key is refused), and
ORDER_TRADE_UPDATE events carry order states and trades. Market streams: /market/ws/<n>
with {"method": "SUBSCRIBE", "params": ["btcusdt@kline_1m"], "id": N} answered by
{"result": null, "id": N}, then kline events (``k.x`` true once the bar is final). Bodies are
the recorded payloads in tests/fixtures/binance/ws/ with the order's, trade's and bar's own
values filled in.
"""

from __future__ import annotations

import copy
import json
import secrets
from typing import Any

from aiohttp import web

from tests.exchanges.ccxt.replay.binance import KEY, STEPS, BinanceServer, _wire_kind, error
from tests.exchanges.ccxt.replay.core import FIXTURES, Resting, ServerThread, Trade, now_ms
from tests.exchanges.ccxt.ws.hub import Hub, Sock

DIR = FIXTURES / "binance" / "ws"
LISTEN_KEY_LIFE_MS = 60 * 60_000
STATUS = {"new": "NEW", "filled": "FILLED", "canceled": "CANCELED"}


def _load(name: str) -> dict:
    return json.loads((DIR / name).read_text())


class BinanceWs:
    def __init__(self, rest: BinanceServer | None = None) -> None:
        # the REST server whose book the sockets announce: the test's own (its tape,
        # testnet/demo mode) or a default one
        self.rest = rest if rest is not None else BinanceServer()
        self.hub = Hub(self.rest.book, self.rest.tape)
        self.hub.render_order = self.order_update
        self.hub.render_trade = self.trade_update
        self.hub.render_bar = self.kline
        self.keys: dict[str, int] = {}  # listen key -> expiry ms
        self.key_posts = 0
        self.key_puts: list[int] = []  # when each keepalive arrived

    def app(self) -> web.Application:
        app = self.rest.app()
        app.router.add_post("/fapi/v1/listenKey", self.new_key)
        app.router.add_put("/fapi/v1/listenKey", self.keepalive)
        app.router.add_get("/private/ws", self.private)
        app.router.add_get("/market/ws/{stream}", self.market)
        app.on_startup.append(self.hub.start)
        app.on_shutdown.append(self.hub.stop)
        return app

    def serve(self) -> ServerThread:
        thread = ServerThread(self.app).start()
        self.hub.thread = thread
        return thread

    # -- the listen key -------------------------------------------------------------------------
    async def new_key(self, request: web.Request) -> web.Response:
        if request.headers.get("X-MBX-APIKEY") != KEY:
            return error(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        self.key_posts += 1
        alive = [k for k, exp in self.keys.items() if exp > now_ms()]
        key = alive[0] if alive else secrets.token_hex(32)  # Binance returns the live key
        self.keys[key] = now_ms() + LISTEN_KEY_LIFE_MS
        self.hub.log.append(("listenKey", "POST"))
        return web.json_response({"listenKey": key})

    async def keepalive(self, request: web.Request) -> web.Response:
        if request.headers.get("X-MBX-APIKEY") != KEY:
            return error(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        alive = [k for k, exp in self.keys.items() if exp > now_ms()]
        if not alive:
            return error(-1125, "This listenKey does not exist.")
        for key in alive:
            self.keys[key] = now_ms() + LISTEN_KEY_LIFE_MS
        self.key_puts.append(now_ms())
        self.hub.log.append(("listenKey", "PUT"))
        return web.json_response({})

    def expire_keys(self) -> None:
        """The venue lets every key lapse and says so on the user stream."""
        for key in self.keys:
            self.keys[key] = 0
        self.hub.push({"e": "listenKeyExpired", "E": now_ms(), "listenKey": "expired"})

    # -- sockets ------------------------------------------------------------------------------
    async def private(self, request: web.Request) -> web.StreamResponse:
        key = request.query.get("listenKey", "")
        if self.keys.get(key, 0) <= now_ms():
            return web.Response(status=400, text='{"code":-1125,"msg":"Invalid listenKey."}')
        ws = await self.hub.accept(request)
        if not isinstance(ws, web.WebSocketResponse):
            return ws
        self.hub.log.append(("private", key[:8]))
        return await self.hub.serve(ws, Sock(ws, private=True), self._ignore)

    async def _ignore(self, _sock: Sock, _message: dict) -> None:
        return None

    async def market(self, request: web.Request) -> web.StreamResponse:
        ws = await self.hub.accept(request)
        if not isinstance(ws, web.WebSocketResponse):
            return ws
        return await self.hub.serve(ws, Sock(ws), self._subscribe)

    async def _subscribe(self, sock: Sock, message: dict) -> None:
        if message.get("method") != "SUBSCRIBE":
            await self.hub.send(sock, {"error": {"code": 2, "msg": "Invalid request"},
                                       "id": message.get("id")})
            return
        for stream in message.get("params", []):
            market, _, kind = stream.partition("@")
            interval = kind.removeprefix("kline_")
            if not kind.startswith("kline_") or interval not in STEPS:
                await self.hub.send(sock, {"error": {"code": 2, "msg": f"Invalid stream "
                                                     f"{stream}"}, "id": message.get("id")})
                return
            sock.topics.add(f"{market.upper()}|{interval}|{STEPS[interval]}")
        self.hub.log.append(("subscribe", tuple(message["params"])))
        await self.hub.send(sock, {"result": None, "id": message.get("id")})

    # -- messages -----------------------------------------------------------------------------
    def kline(self, topic: str, bar: tuple, closed: bool) -> dict[str, Any]:
        symbol, interval, step = topic.split("|")
        body = copy.deepcopy(_load("kline_stream_closed.json" if closed
                                   else "kline_stream_open.json"))
        open_ms, o, h, low, c, v = bar
        body.update(E=now_ms(), s=symbol)
        body["k"].update(t=open_ms, T=open_ms + int(step) - 1, s=symbol, i=interval,
                         o=f"{o:.2f}", h=f"{h:.2f}", l=f"{low:.2f}", c=f"{c:.2f}",
                         v=f"{v:.3f}", x=closed)
        return body

    def _update(self, template: str, o: Resting, ts: int) -> dict[str, Any]:
        body = copy.deepcopy(_load(template))
        body.update(E=ts, T=ts)
        body["o"].update(s=o.symbol, c=o.client_id, S=o.side.upper(), o=_wire_kind(o),
                         ot=_wire_kind(o), f="GTC", q=str(o.qty), p=str(o.price or 0),
                         ap=str(o.avg or 0), sp=str(o.stop or 0), X=STATUS[o.status],
                         i=int(o.venue_id), z=str(o.filled), T=ts, R=o.reduce_only,
                         ps="BOTH", l="0", L="0", n="0", t=0, rp="0")
        return body

    def order_update(self, o: Resting) -> list[dict]:
        if o.kind.startswith("stop"):
            return []  # stops live on the algo service (ALGO_UPDATE: not recorded here)
        if o.status == "filled":
            return []  # announced by its trade (x=TRADE carries the order's new state)
        body = self._update("order_update_new.json", o, o.updated_ms)
        body["o"].update(x="NEW" if o.status == "new" else "CANCELED")
        return [body]

    def trade_update(self, t: Trade) -> list[dict]:
        body = self._update("order_update_trade.json", t.order, t.ts_ms)
        body["o"].update(x="TRADE", l=str(t.qty), L=str(t.price), n=str(t.fee), N="USDT",
                         t=int(t.trade_id), m=t.maker, ap=str(t.price))
        return [body]
