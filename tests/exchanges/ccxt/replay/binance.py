"""A local Binance USD-M server: /fapi routes, HMAC-SHA256 query signatures, the algo-order
service for stops. Bodies are the recorded payloads in tests/fixtures/binance/ with the
order's own values filled in; errors use Binance's {"code": -N, "msg": ...} with the codes
ccxt's binance exception table maps (-1022 bad signature, -1021 stale timestamp, -2013
unknown order, -2011 unknown order on cancel, -4116 duplicate client id, -1121 bad symbol).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from decimal import Decimal
from urllib.parse import parse_qsl

from aiohttp import web

from tests.exchanges.ccxt.replay.core import FIXTURES, MINUTE, Book, Resting, Tape, now_ms

DIR = FIXTURES / "binance"
KEY, SECRET = "binance-test-key", "binance-test-secret"
STEPS = {"1m": MINUTE, "3m": 3 * MINUTE, "5m": 5 * MINUTE, "15m": 15 * MINUTE,
         "30m": 30 * MINUTE, "1h": 60 * MINUTE, "2h": 120 * MINUTE, "4h": 240 * MINUTE,
         "1d": 1440 * MINUTE}
KINDS = {"MARKET": "market", "LIMIT": "limit", "STOP_MARKET": "stop_market", "STOP": "stop_limit"}


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())


def error(code: int, msg: str, status: int = 400) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)


class BinanceServer:
    def __init__(self, tape: Tape | None = None) -> None:
        self.tape = tape or Tape()
        self.book = Book(self.tape)
        self.info = _load("exchange_info.json")
        self.symbols = {s["symbol"] for s in self.info["symbols"]}
        self.fail_next_create: str | None = None  # "timeout_after_accept" for in-doubt tests
        # the next signed request is refused as Binance limits: -1003 at HTTP 429
        self.rate_limit_next = False
        # ... or banned, as Binance answers a client that kept going after 429s: HTTP 418
        self.ban_next = False
        self.skew_ms = 0  # the venue's clock minus ours: a drifted host in clock tests
        self.leverage_set: dict[str, int] = {}  # symbol -> leverage set (POST /fapi/v1/leverage)

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/fapi/v1/exchangeInfo", self.exchange_info)
        r.add_get("/fapi/v1/time", self.time)
        r.add_get("/fapi/v1/klines", self.klines)
        r.add_get("/fapi/v1/fundingRate", self.funding)
        r.add_post("/fapi/v1/order", self.signed(self.create))
        r.add_post("/fapi/v1/algoOrder", self.signed(self.create_algo))
        r.add_get("/fapi/v1/order", self.signed(self.query))
        r.add_get("/fapi/v1/algoOrder", self.signed(self.query_algo))
        r.add_delete("/fapi/v1/order", self.signed(self.cancel))
        r.add_delete("/fapi/v1/algoOrder", self.signed(self.cancel_algo))
        r.add_get("/fapi/v1/openOrders", self.signed(self.open_orders))
        r.add_get("/fapi/v1/openAlgoOrders", self.signed(self.open_algo))
        r.add_get("/fapi/v3/account", self.signed(self.account))
        r.add_get("/fapi/v3/positionRisk", self.signed(self.position_risk))
        r.add_get("/fapi/v1/userTrades", self.signed(self.user_trades))
        r.add_post("/fapi/v1/leverage", self.signed(self.leverage))
        return app

    # -- public -------------------------------------------------------------------------------
    async def exchange_info(self, _request: web.Request) -> web.Response:
        return web.json_response({**self.info, "serverTime": now_ms()})

    async def time(self, _request: web.Request) -> web.Response:
        return web.json_response({"serverTime": now_ms() + self.skew_ms})

    async def klines(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("symbol") not in self.symbols:
            return error(-1121, "Invalid symbol.")
        step = STEPS.get(q.get("interval", ""))
        if step is None:
            return error(-1120, "Invalid interval.")
        limit = min(int(q.get("limit", 500)), 1500)
        start = int(q["startTime"]) if "startTime" in q else None
        end = int(q["endTime"]) if "endTime" in q else None
        rows = [[o, f"{op:.2f}", f"{h:.2f}", f"{lo:.2f}", f"{c:.2f}", f"{v:.3f}", o + step - 1,
                 "0", 0, "0", "0", "0"] for o, op, h, lo, c, v in
                self.tape.bars(step, start, end, limit)]
        return web.json_response(rows)

    async def funding(self, request: web.Request) -> web.Response:
        """The recorded rates, cycled, at each 8 h funding time in the asked range."""
        q = request.query
        if q.get("symbol") not in self.symbols:
            return error(-1121, "Invalid symbol.")
        rates = _load("funding_rate.json")
        step = 8 * 60 * MINUTE
        start = int(q.get("startTime", now_ms() - 100 * step))
        end = min(int(q.get("endTime", now_ms())), now_ms())
        times = range(-(-start // step) * step, end + 1, step)
        rows = [{**rates[i % len(rates)], "symbol": q["symbol"], "fundingTime": t}
                for i, t in enumerate(times)][: int(q.get("limit", 100))]
        return web.json_response(rows)

    # -- auth ---------------------------------------------------------------------------------
    def signed(self, handler):  # noqa: ANN001, ANN201
        async def check(request: web.Request) -> web.Response:
            if self.ban_next:
                self.ban_next = False
                return error(-1003, "Way too much request weight used; IP banned until "
                             f"{now_ms() + 120_000}. Please use the websocket for live "
                             "updates to avoid bans.", 418)
            if self.rate_limit_next:
                self.rate_limit_next = False
                return error(-1003, "Too many requests; current limit of IP(127.0.0.1) is 2400 "
                             "requests per minute. Please use the websocket for live updates "
                             "to avoid polling the API.", 429)
            body = await request.text()
            raw = body if request.method == "POST" and body else request.query_string
            if request.headers.get("X-MBX-APIKEY") != KEY:
                return error(-2015, "Invalid API-key, IP, or permissions for action.", 401)
            payload, _, signature = raw.rpartition("&signature=")
            want = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(signature, want):
                return error(-1022, "Signature for this request is not valid.")
            params = dict(parse_qsl(payload))
            window = int(params.get("recvWindow", 5000))
            if abs(now_ms() + self.skew_ms - int(params.get("timestamp", 0))) > window:
                return error(-1021, "Timestamp for this request is outside of the recvWindow.")
            self.book.match()
            return await handler(params)
        return check

    # -- orders -------------------------------------------------------------------------------
    def _order_body(self, o: Resting) -> dict:
        body = copy.deepcopy(_load("order_response.json"))
        status = {"new": "NEW", "filled": "FILLED", "canceled": "CANCELED"}[o.status]
        body.update(orderId=int(o.venue_id), symbol=o.symbol, status=status,
                    clientOrderId=o.client_id, price=str(o.price or 0),
                    avgPrice=str(o.avg or 0), origQty=str(o.qty), executedQty=str(o.filled),
                    cumQuote=str((o.avg or 0) * o.filled), type=_wire_kind(o),
                    origType=_wire_kind(o), side=o.side.upper(), reduceOnly=o.reduce_only,
                    stopPrice=str(o.stop or 0), time=o.created_ms, updateTime=o.updated_ms)
        return body

    def _algo_body(self, o: Resting) -> dict:
        body = copy.deepcopy(_load("open_algo_orders.json")[0])
        status = {"new": "NEW", "filled": "FINISHED", "canceled": "CANCELED"}[o.status]
        body.update(algoId=int(o.venue_id), clientAlgoId=o.client_id, type=_wire_kind(o),
                    symbol=o.symbol, side=o.side.upper(), quantity=str(o.qty),
                    algoStatus=status, triggerPrice=str(o.stop), reduceOnly=o.reduce_only,
                    createTime=o.created_ms, updateTime=o.updated_ms)
        if o.price is not None:
            body["price"] = str(o.price)
        return body

    def _new(self, p: dict, client_key: str, stop_key: str) -> Resting | web.Response:
        if p.get("symbol") not in self.symbols:
            return error(-1121, "Invalid symbol.")
        kind = KINDS.get(p.get("type", ""))
        if kind is None:
            return error(-1116, "Invalid orderType.")
        client_id = p.get(client_key) or f"auto-{self.book.new_id()}"
        existing = self.book.by_client(client_id)
        if existing is not None and existing.status == "new":
            return error(-4116, "ClientOrderId is duplicated.")
        price = Decimal(p["price"]) if "price" in p else None
        stop = Decimal(p[stop_key]) if stop_key in p else None
        rules = next(f for s in self.info["symbols"] if s["symbol"] == p["symbol"]
                     for f in s["filters"] if f["filterType"] == "PRICE_FILTER")
        for value in (price, stop):
            if value is not None and not (Decimal(rules["minPrice"]) <= value
                                          <= Decimal(rules["maxPrice"])):
                return error(-1013, "Filter failure: PRICE_FILTER")
        if kind in ("limit", "stop_limit") and price is None:
            return error(-1102, "Mandatory parameter 'price' was not sent, was empty/null, or "
                         "malformed.")
        return Resting(self.book.new_id(), client_id, p["symbol"], p["side"].lower(), kind,
                       Decimal(p["quantity"]), price, stop, p.get("reduceOnly") == "true",
                       now_ms())

    async def create(self, p: dict) -> web.Response:
        order = self._new(p, "newClientOrderId", "stopPrice")
        if isinstance(order, web.Response):
            return order
        if order.kind.startswith("stop"):
            return error(-4120, "Order type not supported for this endpoint. Please use the "
                         "Algo Order API endpoints instead.")
        self.book.place(order)
        if self.fail_next_create == "timeout_after_accept":
            self.fail_next_create = None
            return web.Response(status=504, text="")  # accepted, but the answer is lost
        return web.json_response(self._order_body(order))

    async def create_algo(self, p: dict) -> web.Response:
        order = self._new(p, "clientAlgoId", "triggerPrice")
        if isinstance(order, web.Response):
            return order
        self.book.place(order)
        return web.json_response(self._algo_body(order))

    def _find(self, p: dict, client_key: str, id_key: str) -> Resting | None:
        found = self.book.by_client(p[client_key]) if client_key in p else (
            self.book.orders.get(p.get(id_key, "")))
        return found if found is not None and found.symbol == p.get("symbol") else None

    async def query(self, p: dict) -> web.Response:
        o = self._find(p, "origClientOrderId", "orderId")
        if o is None or o.kind.startswith("stop"):
            return error(-2013, "Order does not exist.")
        return web.json_response(self._order_body(o))

    async def query_algo(self, p: dict) -> web.Response:
        o = self._find(p, "clientAlgoId", "algoId")
        if o is None or not o.kind.startswith("stop"):
            return error(-2013, "Order does not exist.")
        return web.json_response(self._algo_body(o))

    async def cancel(self, p: dict) -> web.Response:
        o = self._find(p, "origClientOrderId", "orderId")
        if o is None or o.status != "new" or o.kind.startswith("stop"):
            return error(-2011, "Unknown order sent.")
        o.status, o.updated_ms = "canceled", now_ms()
        return web.json_response(self._order_body(o))

    async def cancel_algo(self, p: dict) -> web.Response:
        o = self._find(p, "clientAlgoId", "algoId")
        if o is None or o.status != "new" or not o.kind.startswith("stop"):
            return error(-2011, "Unknown order sent.")
        o.status, o.updated_ms = "canceled", now_ms()
        return web.json_response({"algoId": int(o.venue_id), "clientAlgoId": o.client_id,
                                  "code": "200", "msg": "success"})

    def _open(self, p: dict, stops: bool) -> list[Resting]:
        return [o for o in self.book.orders.values() if o.status == "new" and
                o.kind.startswith("stop") == stops and p.get("symbol") in (None, o.symbol)]

    async def open_orders(self, p: dict) -> web.Response:
        return web.json_response([self._order_body(o) for o in self._open(p, False)])

    async def open_algo(self, p: dict) -> web.Response:
        return web.json_response([self._algo_body(o) for o in self._open(p, True)])

    # -- account ------------------------------------------------------------------------------
    async def account(self, _p: dict) -> web.Response:
        body = copy.deepcopy(_load("account_info_v2.json"))
        wallet = str(self.book.wallet)
        for asset in body["assets"]:
            if asset["asset"] == "USDT":
                asset.update(walletBalance=wallet, marginBalance=wallet,
                             availableBalance=wallet, maxWithdrawAmount=wallet)
        template = body["positions"][0]
        body["positions"] = [{**template, "symbol": sym, "positionAmt": str(qty),
                              "entryPrice": str(entry), "updateTime": now_ms()}
                             for sym, (qty, entry) in self.book.positions.items() if qty != 0]
        body.update(totalWalletBalance=wallet, availableBalance=wallet)
        return web.json_response(body)

    async def position_risk(self, p: dict) -> web.Response:
        template = _load("position_risk.json")[0]
        price = str(self.tape.price())
        return web.json_response([
            {**template, "symbol": sym, "positionAmt": str(qty), "entryPrice": str(entry),
             "markPrice": price, "unRealizedProfit": str(qty * (Decimal(price) - entry)),
             "notional": str(qty * Decimal(price)),  # signed: ccxt reads the side from it
             "updateTime": now_ms()}
            for sym, (qty, entry) in self.book.positions.items()
            if qty != 0 and p.get("symbol") in (None, sym)])

    async def user_trades(self, p: dict) -> web.Response:
        template = _load("account_trades.json")[0]
        start = int(p.get("startTime", 0))
        rows = [{**template, "symbol": t.order.symbol, "id": int(t.trade_id),
                 "orderId": int(t.order.venue_id), "side": t.order.side.upper(),
                 "price": str(t.price), "qty": str(t.qty), "quoteQty": str(t.qty * t.price),
                 "commission": str(t.fee), "commissionAsset": "USDT", "time": t.ts_ms,
                 "buyer": t.order.side == "buy", "maker": t.maker}
                for t in self.book.trades if t.order.symbol == p.get("symbol")
                and t.ts_ms >= start]
        return web.json_response(rows)

    async def leverage(self, p: dict) -> web.Response:
        if p.get("symbol") not in self.symbols:
            return error(-1121, "Invalid symbol.")
        if not p.get("leverage", "").isdigit():
            return error(-1100, "Illegal characters found in parameter 'leverage'; legal "
                         "range is '^[0-9]{1,20}$'.")
        self.leverage_set[p["symbol"]] = int(p["leverage"])
        return web.json_response({"leverage": int(p["leverage"]), "maxNotionalValue": "250000",
                                  "symbol": p["symbol"]})


def _wire_kind(o: Resting) -> str:
    return {v: k for k, v in KINDS.items()}[o.kind]
