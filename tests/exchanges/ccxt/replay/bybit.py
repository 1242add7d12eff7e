"""A local Bybit v5 server (linear category): X-BAPI-* HMAC-SHA256 headers checked, HTTP 200
with an embedded retCode for failures (as Bybit answers), klines newest first. Bodies are
the recorded payloads in tests/fixtures/bybit/ with the order's own values filled in;
error codes are Bybit's documented ones (10003 bad key, 10004 bad signature, 10002 stale
timestamp, 110001 unknown order, 110072 duplicate orderLinkId, 10001 bad parameter).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from decimal import Decimal

from aiohttp import web

from tests.exchanges.ccxt.replay.core import FIXTURES, MINUTE, Book, Resting, Tape, now_ms

DIR = FIXTURES / "bybit"
KEY, SECRET = "bybit-test-key", "bybit-test-secret"
INTERVALS = {"1": MINUTE, "3": 3 * MINUTE, "5": 5 * MINUTE, "15": 15 * MINUTE,
             "30": 30 * MINUTE, "60": 60 * MINUTE, "120": 120 * MINUTE, "240": 240 * MINUTE,
             "D": 1440 * MINUTE}
STATUS = {"new": "New", "filled": "Filled", "canceled": "Cancelled"}


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())


def ok(result: object) -> web.Response:
    return web.json_response({"retCode": 0, "retMsg": "OK", "result": result,
                              "retExtInfo": {}, "time": now_ms()})


def fail(code: int, msg: str) -> web.Response:
    return web.json_response({"retCode": code, "retMsg": msg, "result": {}, "retExtInfo": {},
                              "time": now_ms()})


class BybitServer:
    def __init__(self, tape: Tape | None = None) -> None:
        self.tape = tape or Tape()
        self.book = Book(self.tape)
        self.instruments = _load("http_get_instruments_linear.json")
        self.symbols = {i["symbol"] for i in self.instruments["result"]["list"]}
        self.fail_next_create: str | None = None
        # the next signed request is refused as Bybit limits: retCode 10006 (v5 docs)
        self.rate_limit_next = False
        self.skew_ms = 0  # the venue's clock minus ours: a drifted host in clock tests
        self.leverage_set: dict[str, str] = {}  # symbol -> leverage set (buy = sell: one-way mode)

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/v5/market/instruments-info", self.instruments_info)
        r.add_get("/v5/market/time", self.time)
        r.add_get("/v5/market/kline", self.kline)
        r.add_get("/v5/user/query-api", self.signed(self.query_api))
        r.add_get("/v5/account/info", self.signed(self.account_info))
        r.add_post("/v5/order/create", self.signed(self.create))
        r.add_post("/v5/order/cancel", self.signed(self.cancel))
        r.add_post("/v5/order/amend", self.signed(self.amend))
        r.add_get("/v5/order/realtime", self.signed(self.realtime))
        r.add_get("/v5/order/history", self.signed(self.history))
        r.add_get("/v5/position/list", self.signed(self.positions))
        r.add_get("/v5/account/wallet-balance", self.signed(self.wallet))
        r.add_get("/v5/execution/list", self.signed(self.executions))
        r.add_post("/v5/position/set-leverage", self.signed(self.set_leverage))
        return app

    async def instruments_info(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("category") != "linear":
            return fail(10001, "params error: category")
        # Bybit names the category in the result (the recording left it out; ccxt reads it)
        result = {**self.instruments["result"], "category": "linear"}
        if q.get("status") == "PreLaunch":
            return ok({**result, "list": []})
        return ok(result)

    async def time(self, _request: web.Request) -> web.Response:
        now = now_ms() + self.skew_ms  # ccxt reads the envelope's "time": the venue's clock
        return web.json_response({"retCode": 0, "retMsg": "OK", "result": {
            "timeSecond": str(now // 1000), "timeNano": str(now * 1_000_000)},
            "retExtInfo": {}, "time": now})

    async def kline(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("symbol") not in self.symbols:
            return fail(10001, "Not supported symbols")
        step = INTERVALS.get(q.get("interval", ""))
        if step is None:
            return fail(10001, "Invalid period!")
        limit = min(int(q.get("limit", 200)), 1000)
        start = int(q["start"]) if "start" in q else None
        end = int(q["end"]) if "end" in q else None
        rows = [[str(o), str(op), str(h), str(lo), str(c), f"{v:.3f}", f"{v * c:.2f}"]
                for o, op, h, lo, c, v in self.tape.bars(step, start, end, limit,
                                                         newest_first=True)]
        return ok({"category": "linear", "symbol": q["symbol"], "list": rows})

    # -- auth ---------------------------------------------------------------------------------
    def signed(self, handler):  # noqa: ANN001, ANN201
        async def check(request: web.Request) -> web.Response:
            if self.rate_limit_next:
                self.rate_limit_next = False
                return fail(10006, "Too many visits!")
            h = request.headers
            if h.get("X-BAPI-API-KEY") != KEY:
                return fail(10003, "API key is invalid.")
            stamp, window = h.get("X-BAPI-TIMESTAMP", ""), h.get("X-BAPI-RECV-WINDOW", "5000")
            body = await request.text()
            payload = stamp + KEY + window + (body if request.method == "POST"
                                              else request.query_string)
            want = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(h.get("X-BAPI-SIGN", ""), want):
                return fail(10004, "error sign! origin_string[" + payload[:8] + "...]")
            if not stamp.isdigit() or abs(now_ms() + self.skew_ms - int(stamp)) > int(window):
                return fail(10002, "invalid request, please check your server timestamp or "
                            "recv_window param")
            params = json.loads(body) if request.method == "POST" and body else dict(
                request.query)
            self.book.match()
            return await handler(params)
        return check

    async def query_api(self, _p: dict) -> web.Response:
        return ok(_load("http_get_user_query_api.json")["result"])

    async def account_info(self, _p: dict) -> web.Response:
        return ok(_load("http_get_account_info.json")["result"])

    def _row(self, o: Resting) -> dict:
        row = copy.deepcopy(_load("http_get_orders_realtime.json")["result"]["list"][0])
        row.update(orderId=o.venue_id, orderLinkId=o.client_id, symbol=o.symbol,
                   price=str(o.price or 0), qty=str(o.qty), side=o.side.capitalize(),
                   orderStatus=STATUS[o.status], avgPrice=str(o.avg) if o.avg else "",
                   leavesQty=str(o.qty - o.filled), cumExecQty=str(o.filled),
                   orderType="Limit" if o.price is not None else "Market",
                   triggerPrice=str(o.stop or ""), reduceOnly=o.reduce_only,
                   stopOrderType="Stop" if o.stop else "", createdTime=str(o.created_ms),
                   updatedTime=str(o.updated_ms))
        return row

    async def create(self, p: dict) -> web.Response:
        if p.get("category") != "linear" or p.get("symbol") not in self.symbols:
            return fail(10001, "params error: symbol invalid")
        client_id = p.get("orderLinkId") or f"auto-{self.book.new_id()}"
        existing = self.book.by_client(client_id)
        if existing is not None:
            return fail(110072, "OrderLinkedID is duplicate")
        stop = Decimal(p["triggerPrice"]) if p.get("triggerPrice") else None
        limit = p.get("orderType") == "Limit"
        kind = ("stop_limit" if limit else "stop_market") if stop else (
            "limit" if limit else "market")
        order = Resting(self.book.new_id(), client_id, p["symbol"], p["side"].lower(), kind,
                        Decimal(p["qty"]), Decimal(p["price"]) if limit else None, stop,
                        bool(p.get("reduceOnly")), now_ms())
        self.book.place(order)
        if self.fail_next_create == "timeout_after_accept":
            self.fail_next_create = None
            return web.Response(status=504, text="")
        return ok(dict(_load("ws_order_response.json")["data"], orderId=order.venue_id,
                       orderLinkId=client_id))

    def _find(self, p: dict) -> Resting | None:
        o = self.book.by_client(p["orderLinkId"]) if p.get("orderLinkId") else (
            self.book.orders.get(p.get("orderId", "")))
        return o if o is not None and o.symbol == p.get("symbol", o.symbol) else None

    async def cancel(self, p: dict) -> web.Response:
        o = self._find(p)
        if o is None or o.status != "new":
            return fail(110001, "order not exists or too late to cancel")
        o.status, o.updated_ms = "canceled", now_ms()
        return ok({"orderId": o.venue_id, "orderLinkId": o.client_id})

    async def amend(self, p: dict) -> web.Response:
        o = self._find(p)
        if o is None or o.status != "new":
            return fail(110001, "order not exists or too late to replace")
        if p.get("qty"):
            o.qty = Decimal(p["qty"])
        if p.get("price") and o.price is not None:
            o.price = Decimal(p["price"])
        if p.get("triggerPrice") and o.stop is not None:
            o.stop = Decimal(p["triggerPrice"])
        o.updated_ms = now_ms()
        return ok({"orderId": o.venue_id, "orderLinkId": o.client_id})

    def _list(self, p: dict, open_: bool) -> web.Response:
        rows = [self._row(o) for o in reversed(self.book.orders.values())
                if (o.status == "new") == open_ and p.get("symbol") in (None, o.symbol)
                and p.get("orderLinkId") in (None, o.client_id)]
        return ok({"list": rows, "nextPageCursor": "", "category": "linear"})

    async def realtime(self, p: dict) -> web.Response:
        return self._list(p, True)

    async def history(self, p: dict) -> web.Response:
        return self._list(p, False)

    async def positions(self, p: dict) -> web.Response:
        template = _load("http_get_positions.json")["result"]["list"][0]
        price = str(self.tape.price())
        rows = [{**template, "symbol": sym, "side": "Buy" if qty > 0 else "Sell",
                 "size": str(abs(qty)), "avgPrice": str(entry), "markPrice": price,
                 "cumRealisedPnl": "0", "unrealisedPnl": str(qty * (Decimal(price) - entry)),
                 "updatedTime": str(now_ms())}
                for sym, (qty, entry) in self.book.positions.items() if qty != 0]
        return ok({"list": rows, "nextPageCursor": "", "category": "linear"})

    async def wallet(self, _p: dict) -> web.Response:
        body = copy.deepcopy(_load("http_get_wallet_balance.json")["result"])
        account = body["list"][0]
        coin = next(c for c in account["coin"] if c["coin"] == "USDT") if any(
            c["coin"] == "USDT" for c in account["coin"]) else dict(account["coin"][0],
                                                                     coin="USDT")
        wallet = str(self.book.wallet)
        coin.update(walletBalance=wallet, equity=wallet, availableToWithdraw=wallet,
                    locked="0", totalOrderIM="0", totalPositionIM="0")
        account["coin"] = [coin]
        return ok(body)

    async def executions(self, p: dict) -> web.Response:
        template = _load("http_get_executions.json")["result"]["list"][0]
        start = int(p.get("startTime", 0))
        rows = [{**template, "symbol": t.order.symbol, "orderId": t.order.venue_id,
                 "orderLinkId": t.order.client_id, "side": t.order.side.capitalize(),
                 "execId": t.trade_id, "execPrice": str(t.price), "execQty": str(t.qty),
                 "execFee": str(t.fee), "execTime": str(t.ts_ms), "isMaker": t.maker,
                 "feeCurrency": "USDT"}
                for t in self.book.trades if t.ts_ms >= start
                and p.get("symbol") in (None, t.order.symbol)]
        return ok({"list": rows, "nextPageCursor": "", "category": "linear"})

    async def set_leverage(self, p: dict) -> web.Response:
        """POST /v5/position/set-leverage (Bybit v5 docs, Position > Set Leverage): success is
        retCode 0 with an empty result; the leverage already set is refused with 110043
        "Set leverage not modified"; above the instrument's leverageFilter.maxLeverage, 10001."""
        if p.get("category") != "linear" or p.get("symbol") not in self.symbols:
            return fail(10001, "params error: symbol invalid")
        buy, sell = p.get("buyLeverage", ""), p.get("sellLeverage", "")
        if buy != sell:  # one-way mode: both sides carry one leverage
            return fail(10001, "buy leverage must be equal to sell leverage in one-way mode")
        row = next(i for i in self.instruments["result"]["list"] if i["symbol"] == p["symbol"])
        top = Decimal(row["leverageFilter"]["maxLeverage"])
        try:
            wanted = Decimal(buy)
        except ArithmeticError:
            return fail(10001, "params error: buyLeverage invalid")
        if not Decimal(1) <= wanted <= top:
            return fail(10001, f"leverage invalid, must be between 1 and {top}")
        if self.leverage_set.get(p["symbol"]) == buy:
            return fail(110043, "Set leverage not modified")
        self.leverage_set[p["symbol"]] = buy
        return ok({})
