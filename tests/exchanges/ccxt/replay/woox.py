"""A local WOO X v3 server (PERP_BTC_USDT): private calls carry x-api-key, x-api-timestamp
(ms, within 5 s) and x-api-signature = hex HMAC-SHA256(secret, timestamp + METHOD +
/v3/path + ?query (GET/DELETE) or JSON body (POST/PUT)), checked as WOO X documents.
Client ids must be numbers (a non-numeric one is refused, -1005); stops are algo orders on
/v3/trade/algoOrder(s). Failures are ``{"success": false, "code": ..., "message": ...}``
with WOO X's codes (-1002 bad key or signature, -1005 bad parameter, -1006 not found,
-1007 duplicate client id, -1101 exposure too high). Bodies are the documented payloads in
tests/fixtures/woox/ with the order's own values filled in.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from decimal import Decimal

from aiohttp import web

from tests.exchanges.ccxt.replay.core import FIXTURES, MINUTE, Book, Resting, Tape, now_ms

DIR = FIXTURES / "woox"
KEY, SECRET = "woox-test-key", "woox-test-secret"
SYMBOL = "PERP_BTC_USDT"
TYPES = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "4h": 240, "12h": 720, "1d": 1440}
STATUS = {"new": "NEW", "filled": "FILLED", "canceled": "CANCELLED"}
INCOMPLETE, COMPLETED = {"NEW", "PARTIAL_FILLED"}, {"FILLED", "CANCELLED", "REJECTED"}


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())["body"]


def ok(data: object) -> web.Response:
    return web.json_response({"success": True, "data": data, "timestamp": now_ms()})


def fail(code: int, message: str, status: int = 400) -> web.Response:
    return web.json_response({"success": False, "code": code, "message": message},
                             status=status)


def secs(ms: int) -> str:
    return f"{ms / 1000:.3f}"


class WooxServer:
    def __init__(self, tape: Tape | None = None) -> None:
        self.tape = tape or Tape()
        self.book = Book(self.tape)
        row = _load("docs_instruments.json")["data"]["rows"][0]
        # the documented row's shape with the perpetual's own values
        self.instrument = dict(row, symbol=SYMBOL, baseAsset="BTC", quoteTick="0.1",
                               baseMin="0.0001", baseTick="0.0001", baseMax="100")
        self.book.sizes = {SYMBOL: Decimal(1)}
        self.fail_next_create: str | None = None
        # the next signed request is refused as WOO X limits: -1003 "Rate limit exceed."
        # (as quoted in ccxt 4.5.90's woo exception table)
        self.rate_limit_next = False
        self.leverage_set: dict[str, int] = {}  # symbol -> futures leverage set (one-way)

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/v3/public/instruments", self.instruments)
        r.add_get("/v3/public/systemInfo", self.system_info)
        r.add_get("/v3/public/klineHistory", self.kline)
        r.add_post("/v3/trade/order", self.signed(self.create))
        r.add_post("/v3/trade/algoOrder", self.signed(self.create))
        r.add_delete("/v3/trade/order", self.signed(self.cancel))
        r.add_delete("/v3/trade/algoOrder", self.signed(self.cancel))
        r.add_put("/v3/trade/order", self.signed(self.edit))
        r.add_put("/v3/trade/algoOrder", self.signed(self.edit))
        r.add_get("/v3/trade/orders", self.signed(self.orders))
        r.add_get("/v3/trade/algoOrders", self.signed(self.algo_orders))
        r.add_get("/v3/futures/positions", self.signed(self.positions))
        r.add_get("/v3/asset/balances", self.signed(self.balances))
        r.add_get("/v3/trade/transactionHistory", self.signed(self.transactions))
        r.add_put("/v3/futures/leverage", self.signed(self.set_leverage))
        return app

    async def instruments(self, _request: web.Request) -> web.Response:
        return ok({"rows": [self.instrument]})

    async def system_info(self, _request: web.Request) -> web.Response:
        return ok(_load("docs_systemInfo.json")["data"])

    async def kline(self, request: web.Request) -> web.Response:
        q = request.query
        minutes = TYPES.get(q.get("type", ""))
        if q.get("symbol") != SYMBOL or minutes is None:
            return fail(-1005, "Some parameters are in wrong format for api.")
        step, limit = minutes * MINUTE, min(int(q.get("limit", "100")), 1000)
        start = int(q["after"]) + 1 if "after" in q else None
        rows = self.tape.bars(step, start, int(q["before"]) if "before" in q else None, limit)
        if start is None:
            rows = rows[-limit:]
        template = _load("docs_kline.json")["data"]["rows"][0]
        return ok({"rows": [dict(template, symbol=SYMBOL, open=str(op), high=str(h),
                                 low=str(lo), close=str(c), volume=f"{v:.4f}",
                                 amount=f"{v * c:.2f}", type=q["type"], startTimestamp=o,
                                 endTimestamp=o + step)
                            for o, op, h, lo, c, v in reversed(rows)]})  # newest first

    # -- auth ---------------------------------------------------------------------------------
    def signed(self, handler):  # noqa: ANN001, ANN201
        async def check(request: web.Request) -> web.Response:
            if self.rate_limit_next:
                self.rate_limit_next = False
                return fail(-1003, "Rate limit exceed.", 429)
            h = request.headers
            if h.get("x-api-key") != KEY:
                return fail(-1002, "API key or secret is invalid.", 401)
            stamp = h.get("x-api-timestamp", "")
            body = await request.text()
            query = f"?{request.query_string}" if request.query_string else ""
            auth = stamp + request.method + request.path + (
                body if request.method in ("POST", "PUT") else query)
            want = hmac.new(SECRET.encode(), auth.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(h.get("x-api-signature", ""), want):
                return fail(-1002, "API key or secret is invalid.", 401)
            if not stamp.isdigit() or abs(now_ms() - int(stamp)) > 5000:
                return fail(-1005, "timestamp is out of the receive window")
            params = json.loads(body) if body else dict(request.query)
            self.book.match()
            return await handler(params, request.path.endswith("algoOrder") or
                                 request.path.endswith("algoOrders"))
        return check

    def _row(self, o: Resting) -> dict:
        status = STATUS[o.status]
        if o.stop is not None:
            row = copy.deepcopy(_load("docs_algo_orders.json")["data"]["rows"][0])
            row.update(algoOrderId=int(o.venue_id), rootAlgoOrderId=int(o.venue_id),
                       clientAlgoOrderId=int(o.client_id), symbol=o.symbol, algoType="STOP",
                       side=o.side.upper(), quantity=float(o.qty), isTriggered=o.triggered,
                       triggerPrice=float(o.stop), type="LIMIT" if o.price else "MARKET",
                       price=float(o.price) if o.price else None, algoStatus=status,
                       rootAlgoStatus=status, totalExecutedQuantity=float(o.filled),
                       averageExecutedPrice=float(o.avg or 0), reduceOnly=o.reduce_only,
                       createdTime=secs(o.created_ms), updatedTime=secs(o.updated_ms))
            return row
        row = copy.deepcopy(_load("docs_orders.json")["data"]["rows"][0])
        row.update(orderId=int(o.venue_id), clientOrderId=int(o.client_id), symbol=o.symbol,
                   side=o.side.upper(), quantity=float(o.qty), status=status,
                   type="LIMIT" if o.price is not None else "MARKET",
                   price=float(o.price) if o.price is not None else None,
                   executed=float(o.filled), visible=float(o.qty - o.filled),
                   averageExecutedPrice=float(o.avg or 0), reduceOnly=o.reduce_only,
                   feeAsset="USDT", createdTime=secs(o.created_ms),
                   updatedTime=secs(o.updated_ms))
        return row

    async def create(self, p: dict, algo: bool) -> web.Response:
        cid = str(p.get("clientAlgoOrderId" if algo else "clientOrderId", "0"))
        if p.get("symbol") != SYMBOL or not cid.isdigit() or int(cid) >= 2**63:
            return fail(-1005, "Some parameters are in wrong format for api.")
        if cid != "0" and self.book.by_client(cid) is not None:
            return fail(-1007, "The data is already exists or your request is duplicated.")
        qty = Decimal(str(p.get("quantity", "0")))
        kind = str(p.get("type", "")).lower()
        price = Decimal(str(p["price"])) if p.get("price") else None
        stop = Decimal(str(p["triggerPrice"])) if algo and p.get("triggerPrice") else None
        if (kind not in ("limit", "market") or qty <= 0 or qty % Decimal("0.0001") != 0
                or (kind == "limit") != (price is not None) or algo != (stop is not None)
                or (algo and p.get("algoType") != "STOP")):
            return fail(-1005, "Some parameters are in wrong format for api.")
        mark = Decimal(str(self.tape.price()))
        exposure = sum(o.qty * (o.price or mark) for o in self.book.orders.values()
                       if o.status == "new") + qty * (price or mark)
        if exposure > self.book.wallet * 10:
            return fail(-1101, "The risk exposure for client is too high.")
        order = self.book.place(Resting(self.book.new_id(), cid, SYMBOL, p.get("side", "").lower(),
                                        kind if stop is None else f"stop_{kind}", qty, price,
                                        stop, bool(p.get("reduceOnly")), now_ms()))
        if self.fail_next_create == "timeout_after_accept":
            self.fail_next_create = None
            return web.Response(status=504, text="")  # accepted, but the answer is lost
        if algo:
            body = copy.deepcopy(_load("docs_create_algo.json")["data"])
            body["rows"][0].update(orderId=order.venue_id, clientOrderId=cid, algoType="STOP",
                                   quantity=str(qty))
            return ok(body)
        return ok({**_load("docs_create.json")["data"], "orderId": int(order.venue_id),
                   "clientOrderId": int(cid), "type": kind.upper(),
                   "price": float(price) if price else None, "quantity": float(qty)})

    async def cancel(self, p: dict, algo: bool) -> web.Response:
        o = self.book.orders.get(str(p.get("algoOrderId" if algo else "orderId", "")))
        if o is None or (o.stop is not None) != algo or o.status != "new":
            return fail(-1006, "The data is not found in server.")
        o.status, o.updated_ms = "canceled", now_ms()
        return ok(_load("docs_cancel.json")["data"])

    async def edit(self, p: dict, algo: bool) -> web.Response:
        key = "algoOrderId" if algo else "orderId"
        o = self.book.orders.get(str(p.get(key, "")))
        if o is None or (o.stop is not None) != algo or o.status != "new":
            return fail(-1006, "The data is not found in server.")
        if p.get("quantity"):
            o.qty = Decimal(str(p["quantity"]))
        if p.get("price"):
            o.price = Decimal(str(p["price"]))
        if algo and p.get("triggerPrice"):
            o.stop = Decimal(str(p["triggerPrice"]))
        o.updated_ms = now_ms()
        return ok(_load("docs_edit.json")["data"])

    def _listed(self, p: dict, algo: bool) -> list[dict]:
        wanted = {"INCOMPLETE": INCOMPLETE, "COMPLETED": COMPLETED}.get(p.get("status", ""))
        rows = [self._row(o) for o in reversed(self.book.orders.values())
                if (o.stop is not None) == algo and p.get("symbol") in (None, o.symbol)]
        key = "algoStatus" if algo else "status"
        return [r for r in rows if wanted is None or r[key] in wanted]

    async def orders(self, p: dict, _algo: bool) -> web.Response:
        return ok(_page("docs_orders.json", self._listed(p, False)))

    async def algo_orders(self, p: dict, _algo: bool) -> web.Response:
        return ok(_page("docs_algo_orders.json", self._listed(p, True)))

    async def positions(self, _p: dict, _algo: bool) -> web.Response:
        template = _load("docs_positions.json")["data"]["positions"][0]
        mark = str(self.tape.price())
        return ok({"positions": [
            {**template, "symbol": sym, "holding": str(qty), "averageOpenPrice": str(entry),
             "settlePrice": str(entry), "markPrice": mark, "timestamp": now_ms()}
            for sym, (qty, entry) in self.book.positions.items() if qty != 0]})

    async def balances(self, _p: dict, _algo: bool) -> web.Response:
        template = _load("docs_balances.json")["data"]["holding"][0]
        wallet = float(self.book.wallet)
        return ok({"holding": [{**template, "token": "USDT", "holding": wallet,
                                "availableBalance": wallet, "updatedTime": now_ms() / 1000}]})

    async def transactions(self, p: dict, _algo: bool) -> web.Response:
        template = _load("docs_transactions.json")["data"]["rows"][0]
        start = int(p.get("startTime", 0))
        rows = [{**template, "id": int(t.trade_id), "symbol": t.order.symbol,
                 "orderId": int(t.order.venue_id), "executedPrice": float(t.price),
                 "executedQuantity": float(t.qty), "fee": float(t.fee), "feeAsset": "USDT",
                 "side": t.order.side.upper(), "executedTimestamp": secs(t.ts_ms),
                 "isMaker": 1 if t.maker else 0}
                for t in reversed(self.book.trades)
                if t.ts_ms >= start and p.get("symbol") in (None, t.order.symbol)]
        return ok(_page("docs_transactions.json", rows))

    async def set_leverage(self, p: dict, _algo: bool = False) -> web.Response:
        """PUT /v3/futures/leverage {symbol, leverage, marginMode}: answered with the
        one-way leverage record, the shape ccxt 4.5.90 quotes for GET /v3/futures/leverage
        (woo.fetch_leverage: {"success": true, "data": {symbol, marginMode, positionMode,
        details: [{positionSide: "BOTH", leverage}]}}). Only whole leverages 1-100 and the
        recorded symbols pass; anything else is WOO's parameter error -1101."""
        if p.get("symbol") != SYMBOL or p.get("marginMode") not in ("CROSS", "ISOLATED"):
            return fail(-1101, "The parameter is invalid.")
        wanted = p.get("leverage")
        if not isinstance(wanted, int) or not 1 <= wanted <= 100:
            return fail(-1101, "The parameter is invalid.")
        self.leverage_set[p["symbol"]] = wanted
        return ok({"symbol": p["symbol"], "marginMode": p["marginMode"],
                   "positionMode": "ONE_WAY",
                   "details": [{"positionSide": "BOTH", "leverage": wanted}]})


def _page(name: str, rows: list[dict]) -> dict:
    """The documented list answer with these rows (its paging meta, if any, counted again)."""
    data = copy.deepcopy(_load(name)["data"])
    data["rows"] = rows
    if isinstance(data.get("meta"), dict):
        data["meta"].update(total=len(rows))
    return data
