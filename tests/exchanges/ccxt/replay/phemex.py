"""A local Phemex contract server (inverse BTCUSD, scaled integers): private calls carry
x-phemex-access-token, x-phemex-request-expiry (epoch seconds, at most 60 s ahead and not
passed) and x-phemex-request-signature = hex HMAC-SHA256(secret, path + queryString +
expiry + body), checked as Phemex documents. Prices travel as ``...Ep`` integers (the
product's priceScale), balances as ``...Ev`` (the coin's valueScale). Failures are HTTP 200
with a non-zero ``code`` (Phemex's codes: 10500 bad signature, 401 unknown key or expired,
10002 order not found, which is also how an empty active-order list answers, 11001
insufficient available balance, 11058 duplicated clOrdID, 10001 bad parameter). Bodies
are the recorded or documented payloads in tests/fixtures/phemex/.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from decimal import Decimal

from aiohttp import web

from tests.exchanges.ccxt.replay.core import FIXTURES, Book, Resting, Tape, now_ms

DIR = FIXTURES / "phemex"
KEY, SECRET = "phemex-test-key", "phemex-test-secret"
STATUS = {"new": "New", "filled": "Filled", "canceled": "Canceled"}


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())["body"]


def ok(data: object) -> web.Response:
    return web.json_response({"code": 0, "msg": "OK", "data": data})


def fail(code: int, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg, "data": None})


class PhemexServer:
    def __init__(self, tape: Tape | None = None) -> None:
        self.tape = tape or Tape()
        self.book = Book(self.tape)
        self.v2 = _load("products_v2.json")
        self.products = {p["symbol"]: p for p in self.v2["data"]["products"]}
        self.book.sizes = {s: Decimal(0) for s in self.products}  # inverse maths not modelled
        self.fail_next_create: str | None = None
        # the next signed request is refused as Phemex limits: 39995 "Too many requests."
        # (as quoted in ccxt 4.5.90's phemex exception table)
        self.rate_limit_next = False
        self.leverage_set: dict[str, str] = {}  # symbol -> leverage set (coin-margined)

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/public/products", self.products_v2)
        r.add_get("/v1/exchange/public/products", self.products_v1)
        r.add_get("/exchange/public/md/v2/kline", self.kline)
        r.add_post("/orders", self.signed(self.create))
        r.add_get("/exchange/order", self.signed(self.query))
        r.add_get("/orders/activeList", self.signed(self.active))
        r.add_delete("/orders/cancel", self.signed(self.cancel))
        r.add_put("/orders/replace", self.signed(self.replace))
        r.add_put("/positions/leverage", self.signed(self.set_leverage))
        r.add_get("/accounts/accountPositions", self.signed(self.account_positions))
        r.add_get("/exchange/order/trade", self.signed(self.trades))
        return app

    async def products_v2(self, _request: web.Request) -> web.Response:
        return web.json_response(self.v2)

    async def products_v1(self, _request: web.Request) -> web.Response:
        return web.json_response(_load("docs_v1_products.json"))

    def _ep(self, symbol: str, price: Decimal | float) -> int:
        return int(Decimal(str(price)).scaleb(self.products[symbol]["priceScale"]))

    def _price(self, symbol: str, ep: object) -> Decimal:
        return Decimal(str(ep)).scaleb(-self.products[symbol]["priceScale"])

    async def kline(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("symbol") not in self.products:
            return fail(10001, "invalid symbol")
        step_s = int(q.get("resolution", "0"))
        if step_s not in (60, 300, 900, 1800, 3600, 14400, 86400, 604800, 2592000):
            return fail(10001, "invalid resolution")
        limit = int(q.get("limit", "1000"))
        if limit not in (5, 10, 50, 100, 500, 1000):
            return fail(10001, "invalid limit")
        template = _load("docs_kline_row.json")
        sym = q["symbol"]
        rows = []
        for o, op, h, lo, c, v in self.tape.bars(step_s * 1000, None, None, limit):
            row = list(template)
            row[0:9] = [o // 1000, step_s, self._ep(sym, c), self._ep(sym, op), self._ep(sym, h),
                        self._ep(sym, lo), self._ep(sym, c), int(v * c), int(v * 1e8)]
            rows.append(row)
        return ok({"total": -1, "rows": rows})

    # -- auth ---------------------------------------------------------------------------------
    def signed(self, handler):  # noqa: ANN001, ANN201
        async def check(request: web.Request) -> web.Response:
            if self.rate_limit_next:
                self.rate_limit_next = False
                return fail(39995, "Too many requests.")
            h = request.headers
            if h.get("x-phemex-access-token") != KEY:
                return fail(401, "401 Unauthorized: unknown access token")
            expiry = h.get("x-phemex-request-expiry", "")
            body = await request.text()
            auth = request.path + request.query_string + expiry + body
            want = hmac.new(SECRET.encode(), auth.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(h.get("x-phemex-request-signature", ""), want):
                return fail(10500, "signature verification failed")
            now = int(time.time())
            if not expiry.isdigit() or not now <= int(expiry) <= now + 61:
                return fail(401, "401 Unauthorized: request expired")
            params = json.loads(body) if body else dict(request.query)
            self.book.match()
            return await handler(params)
        return check

    def _row(self, o: Resting) -> dict:
        row = copy.deepcopy(_load("docs_swap_order.json"))
        kind = {"limit": "Limit", "market": "Market", "stop_market": "Stop",
                "stop_limit": "StopLimit"}[o.kind]
        status = STATUS[o.status]
        if o.stop is not None and o.status == "new" and not o.triggered:
            status = "Untriggered"
        price = o.price if o.price is not None else (o.avg or Decimal(0))
        row.update(orderID=o.venue_id, clOrdID=o.client_id, symbol=o.symbol,
                   side=o.side.capitalize(), orderType=kind, ordType=kind,
                   priceEp=self._ep(o.symbol, price), price=float(price),
                   orderQty=int(o.qty), cumQty=int(o.filled), leavesQty=int(o.qty - o.filled),
                   reduceOnly=o.reduce_only,
                   execInst="ReduceOnly" if o.reduce_only else "None",
                   stopPxEp=self._ep(o.symbol, o.stop or 0), stopPx=float(o.stop or 0),
                   stopDirection="UNSPECIFIED" if o.stop is None else (
                       "Rising" if o.side == "buy" else "Falling"),
                   trigger="UNSPECIFIED" if o.stop is None else "ByLastPrice",
                   timeInForce="GoodTillCancel", ordStatus=status,
                   execStatus="New" if o.status == "new" else status,
                   actionTimeNs=o.created_ms * 1_000_000,
                   transactTimeNs=o.updated_ms * 1_000_000)
        return row

    async def create(self, p: dict) -> web.Response:
        sym = p.get("symbol", "")
        if sym not in self.products:
            return fail(10001, "invalid symbol")
        cid = str(p.get("clOrdID", ""))
        if not cid or len(cid) > 40:
            return fail(10001, "invalid clOrdID")
        if self.book.by_client(cid) is not None:
            return fail(11058, "TE_DUPLICATED_CLORDID")
        kind = {"Limit": "limit", "Market": "market", "Stop": "stop_market",
                "StopLimit": "stop_limit"}.get(p.get("ordType", ""))
        qty = Decimal(str(p.get("orderQty", "0")))
        if kind is None or qty <= 0 or qty != qty.to_integral_value() or p.get(
                "side") not in ("Buy", "Sell"):
            return fail(10001, "invalid ordType, side or orderQty")
        price = self._price(sym, p["priceEp"]) if p.get("priceEp") else None
        stop = self._price(sym, p["stopPxEp"]) if p.get("stopPxEp") else None
        if kind.endswith("limit") and price is None or kind.startswith("stop") != bool(stop):
            return fail(10001, "invalid priceEp or stopPxEp")
        live = sum(o.qty for o in self.book.orders.values() if o.status == "new")
        if live + qty > 1_000_000:  # USD contracts over the account's margin at 100x
            return fail(11001, "TE_NO_ENOUGH_AVAILABLE_BALANCE")
        order = self.book.place(Resting(self.book.new_id(), cid, sym, p["side"].lower(), kind,
                                        qty, price, stop, bool(p.get("reduceOnly")), now_ms()))
        if self.fail_next_create == "timeout_after_accept":
            self.fail_next_create = None
            return web.Response(status=504, text="")  # accepted, but the answer is lost
        return ok(self._row(order))

    async def query(self, p: dict) -> web.Response:
        if p.get("clOrdID"):
            found = [o for o in self.book.orders.values() if o.client_id == p["clOrdID"]]
        else:
            found = [o for o in self.book.orders.values()
                     if o.venue_id in p.get("orderID", "").split(",")]
        return ok([self._row(o) for o in found if o.symbol == p.get("symbol")])

    async def active(self, p: dict) -> web.Response:
        rows = [self._row(o) for o in reversed(self.book.orders.values())
                if o.status == "new" and o.symbol == p.get("symbol")]
        return ok({"rows": rows}) if rows else fail(10002, "OM_ORDER_NOT_FOUND")

    async def cancel(self, p: dict) -> web.Response:
        o = self.book.orders.get(p.get("orderID", ""))
        if o is None or o.status != "new" or o.symbol != p.get("symbol"):
            return fail(10002, "OM_ORDER_NOT_FOUND")
        o.status, o.updated_ms = "canceled", now_ms()
        return ok(self._row(o))

    async def replace(self, p: dict) -> web.Response:
        o = self.book.orders.get(p.get("orderID", ""))
        if o is None or o.status != "new" or o.symbol != p.get("symbol"):
            return fail(10002, "OM_ORDER_NOT_FOUND")
        if p.get("stopPxEp") and o.stop is None:
            return fail(10001, "invalid stopPxEp")
        if p.get("orderQty"):
            o.qty = Decimal(str(p["orderQty"]))
        if p.get("priceEp"):
            o.price = self._price(o.symbol, p["priceEp"])
        if p.get("stopPxEp"):
            o.stop = self._price(o.symbol, p["stopPxEp"])
        o.updated_ms = now_ms()
        return ok(self._row(o))

    async def account_positions(self, p: dict) -> web.Response:
        body = copy.deepcopy(_load("docs_account_positions.json")["data"])
        coin = p.get("currency", "")
        if coin not in {c["currency"] for c in self.v2["data"]["currencies"]}:
            return fail(10001, "invalid currency")
        body["account"].update(currency=coin, accountBalanceEv=100_000_000,
                               bonusBalanceEv=0)
        template = body["positions"][0]
        mark = self.tape.price()
        body["positions"] = [
            {**template, "symbol": sym, "currency": coin, "side": "Buy" if qty > 0 else "Sell",
             "size": int(abs(qty)), "avgEntryPriceEp": self._ep(sym, entry),
             "avgEntryPrice": float(entry), "markPriceEp": self._ep(sym, mark),
             "markPrice": mark}
            for sym, (qty, entry) in self.book.positions.items()
            if qty != 0 and self.products[sym]["settleCurrency"] == coin]
        return ok(body)

    async def trades(self, p: dict) -> web.Response:
        template = _load("docs_trades.json")["data"]["rows"][0]
        start = int(p.get("start", 0))
        return ok({"total": len(self.book.trades), "rows": [
            {**template, "transactTimeNs": t.ts_ms * 1_000_000, "symbol": t.order.symbol,
             "side": t.order.side.capitalize(), "execQty": int(t.qty),
             "execPriceEp": self._ep(t.order.symbol, t.price), "orderQty": int(t.order.qty),
             "priceEp": self._ep(t.order.symbol, t.order.price or t.price), "execFeeEv": 0,
             "execID": t.trade_id, "orderID": t.order.venue_id, "clOrdID": t.order.client_id,
             "ordType": "Limit" if t.order.price is not None else "Market",
             "execStatus": "MakerFill" if t.maker else "TakerFill"}
            for t in reversed(self.book.trades)
            if t.ts_ms >= start and t.order.symbol == p.get("symbol")]})

    async def set_leverage(self, p: dict) -> web.Response:
        """PUT /positions/leverage?symbol=&leverage= (Phemex contract API, "Set leverage"):
        {"code": 0, "msg": "", "data": "OK"}. The leverage is signed (negative: cross) and
        at most 1 / the first risk limit's initial margin (100 for BTCUSD in the recorded
        products); otherwise, or for an unknown symbol, 10001 "invalid argument"."""
        symbol = p.get("symbol", "")
        if symbol not in self.products:
            return fail(10001, "invalid argument")
        try:
            wanted = Decimal(str(p.get("leverage", "")))
        except ArithmeticError:
            return fail(10001, "invalid argument")
        limits = {r["symbol"]: r for r in self.v2["data"]["riskLimits"]}[symbol]
        top = 100 / Decimal(limits["riskLimits"][0]["initialMargin"].rstrip("%"))
        if wanted == 0 or abs(wanted) > top:
            return fail(10001, "invalid argument")
        self.leverage_set[symbol] = str(p["leverage"])
        return web.json_response({"code": 0, "msg": "", "data": "OK"})
