"""A local KuCoin Futures server (classic futures API, XBTUSDTM): private calls carry
KC-API-KEY, KC-API-TIMESTAMP (within 5 s), KC-API-SIGN = base64(HMAC-SHA256(secret,
timestamp + METHOD + path?query + body)) and, for key version 2, KC-API-PASSPHRASE =
base64(HMAC-SHA256(secret, passphrase)), checked as KuCoin documents. Every answer is
``{"code": ..., "data": ...}`` with "200000" for success (HTTP 200 either way for order
refusals; 401 for bad credentials, as KuCoin answers). Stops are placed on the order
endpoint and listed apart on /api/v1/stopOrders. Bodies are the recorded or documented
payloads in tests/fixtures/kucoin/ with the order's own values filled in; error codes are
KuCoin's (400003 unknown key, 400004 bad passphrase, 400005 bad signature, 400002 stale
timestamp, 300003 insufficient balance, 400100 bad parameter).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from decimal import Decimal

from aiohttp import web

from tests.exchanges.ccxt.replay.core import FIXTURES, MINUTE, Book, Resting, Tape, now_ms

DIR = FIXTURES / "kucoin"
KEY, SECRET, PASSPHRASE = "kucoin-test-key", "kucoin-test-secret", "kucoin-test-pass"
GRANULARITIES = {1, 5, 15, 30, 60, 120, 240, 480, 720, 1440, 10080}


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())["body"]


def ok(data: object) -> web.Response:
    return web.json_response({"code": "200000", "data": data})


def fail(code: str, msg: str, status: int = 200) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)


def page(items: list) -> web.Response:
    return ok({"currentPage": 1, "pageSize": 50, "totalNum": len(items), "totalPage": 1,
               "items": items})


def _b64mac(key: str, message: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), message.encode(),
                                     hashlib.sha256).digest()).decode()


class KucoinServer:
    def __init__(self, tape: Tape | None = None) -> None:
        self.tape = tape or Tape()
        self.book = Book(self.tape)
        self.contracts = _load("contracts_active.json")["data"]
        self.ids = {c["symbol"]: c for c in self.contracts}
        self.book.sizes = {s: Decimal(str(c["multiplier"])) for s, c in self.ids.items()}
        self.fail_next_create: str | None = None
        # the next signed request is refused as the venue limits: KuCoin's 429000 at HTTP 429
        self.rate_limit_next = False
        self.skew_ms = 0  # the venue's clock minus ours: a drifted host in clock tests
        self.leverage_set: dict[str, str] = {}  # symbol -> cross-margin leverage set

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/api/v1/contracts/active", self.contracts_active)
        r.add_get("/api/v1/timestamp", self.timestamp)
        r.add_get("/api/v1/kline/query", self.kline)
        r.add_post("/api/v1/orders", self.signed(self.create))
        r.add_get("/api/v1/orders/byClientOid", self.signed(self.by_client_oid))
        r.add_get("/api/v1/orders/{order_id}", self.signed(self.by_id))
        r.add_delete("/api/v1/orders/{order_id}", self.signed(self.cancel))
        r.add_get("/api/v1/orders", self.signed(self.orders))
        r.add_get("/api/v1/stopOrders", self.signed(self.stop_orders))
        r.add_get("/api/v1/positions", self.signed(self.positions))
        r.add_get("/api/v1/account-overview", self.signed(self.overview))
        r.add_get("/api/v1/fills", self.signed(self.fills))
        r.add_post("/api/v2/changeCrossUserLeverage", self.signed(self.change_leverage))
        return app

    async def contracts_active(self, _request: web.Request) -> web.Response:
        return ok(self.contracts)

    async def timestamp(self, _request: web.Request) -> web.Response:
        return ok(now_ms() + self.skew_ms)

    async def kline(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("symbol") not in self.ids:
            return fail("400100", "Contract parameter invalid.")
        granularity = int(q.get("granularity", "0"))
        if granularity not in GRANULARITIES:
            return fail("400100", "granularity invalid")
        start = int(q["from"]) if "from" in q else None
        end = int(q["to"]) if "to" in q else None
        rows = self.tape.bars(granularity * MINUTE, start, end, 200)  # at most 200 a call
        return ok([[o, op, h, lo, c, round(v)] for o, op, h, lo, c, v in rows])

    # -- auth ---------------------------------------------------------------------------------
    def signed(self, handler):  # noqa: ANN001, ANN201
        async def check(request: web.Request) -> web.Response:
            if self.rate_limit_next:
                self.rate_limit_next = False
                return fail("429000", "Too Many Requests", 429)
            h = request.headers
            if h.get("KC-API-KEY") != KEY:
                return fail("400003", "KC-API-KEY not exists", 401)
            if h.get("KC-API-KEY-VERSION") != "2" or h.get("KC-API-PASSPHRASE") != _b64mac(
                    SECRET, PASSPHRASE):
                return fail("400004", "Invalid KC-API-PASSPHRASE", 401)
            stamp = h.get("KC-API-TIMESTAMP", "")
            body = await request.text()
            want = _b64mac(SECRET, stamp + request.method + request.path_qs + body)
            if not hmac.compare_digest(h.get("KC-API-SIGN", ""), want):
                return fail("400005", "Signature error", 401)
            if not stamp.isdigit() or abs(now_ms() + self.skew_ms - int(stamp)) > 5000:
                return fail("400002", "KC-API-TIMESTAMP Invalid -- Time differs from server "
                            "time by more than 5 seconds", 401)
            params = json.loads(body) if body else dict(request.query)
            params.update(request.match_info)
            self.book.match()
            return await handler(params)
        return check

    def _row(self, o: Resting) -> dict:
        row = copy.deepcopy(_load("docs_order.json")["data"])
        size = self.book.sizes[o.symbol]
        active = o.status == "new"
        row.update(id=o.venue_id, symbol=o.symbol, side=o.side, clientOid=o.client_id,
                   type="limit" if o.price is not None else "market",
                   price=str(o.price) if o.price is not None else None, size=int(o.qty),
                   value=str(o.qty * size * (o.price or o.avg or Decimal(0))),
                   dealSize=int(o.filled), filledSize=int(o.filled),
                   dealValue=str(o.filled * size * (o.avg or 0)),
                   filledValue=str(o.filled * size * (o.avg or 0)),
                   stop="" if o.stop is None else ("up" if o.side == "buy" else "down"),
                   stopPriceType="" if o.stop is None else "TP",
                   stopPrice=None if o.stop is None else str(o.stop),
                   stopTriggered=o.triggered, reduceOnly=o.reduce_only, isActive=active,
                   cancelExist=o.status == "canceled", status="open" if active else "done",
                   createdAt=o.created_ms, updatedAt=o.updated_ms,
                   endAt=None if active else o.updated_ms, orderTime=o.created_ms * 1_000_000)
        return row

    async def create(self, p: dict) -> web.Response:
        contract = self.ids.get(p.get("symbol", ""))
        if contract is None:
            return fail("400100", "Contract parameter invalid.")
        cid = str(p.get("clientOid", ""))
        if not cid or len(cid) > 40:
            return fail("400100", "clientOid parameter invalid.")
        if self.book.by_client(cid) is not None:
            return fail("400100", "The clientOid is duplicated.")
        size = Decimal(str(p.get("size", "0")))
        if size <= 0 or size != size.to_integral_value():
            return fail("400100", "size parameter invalid.")
        kind = p.get("type")
        price = Decimal(str(p["price"])) if p.get("price") else None
        stop = Decimal(str(p["stopPrice"])) if p.get("stopPrice") else None
        if kind not in ("limit", "market") or (kind == "limit") != (price is not None):
            return fail("400100", "type parameter invalid.")
        if (stop is None) != (not p.get("stop")) or p.get("stop") not in (None, "up", "down"):
            return fail("400100", "stop parameter invalid.")
        mark = Decimal(str(self.tape.price()))
        margin = size * self.book.sizes[contract["symbol"]] * (price or mark) / Decimal(
            str(p.get("leverage", 1)))
        held = sum(o.qty * self.book.sizes[o.symbol] * (o.price or mark)
                   for o in self.book.orders.values() if o.status == "new")
        if margin + held > self.book.wallet * 20:
            return fail("300003", "Balance insufficient!")
        ours = kind if stop is None else f"stop_{kind}"
        order = self.book.place(Resting(self.book.new_id(), cid, contract["symbol"],
                                        p.get("side", ""), ours, size, price, stop,
                                        bool(p.get("reduceOnly")), now_ms()))
        if self.fail_next_create == "timeout_after_accept":
            self.fail_next_create = None
            return web.Response(status=504, text="")  # accepted, but the answer is lost
        return ok({**_load("docs_create_order.json")["data"], "orderId": order.venue_id,
                   "clientOid": cid})

    async def by_client_oid(self, p: dict) -> web.Response:
        o = self.book.by_client(p.get("clientOid", ""))
        return ok(None if o is None else self._row(o))  # unknown: success with no data

    async def by_id(self, p: dict) -> web.Response:
        o = self.book.orders.get(p["order_id"])
        return fail("100001", "error.getOrder.orderNotExist") if o is None else ok(self._row(o))

    async def cancel(self, p: dict) -> web.Response:
        o = self.book.orders.get(p["order_id"])
        if o is None or o.status != "new":
            return fail("100004", "The order cannot be canceled.")
        o.status, o.updated_ms = "canceled", now_ms()
        return ok({"cancelledOrderIds": [o.venue_id]})

    def _listed(self, p: dict, stops: bool, active: bool) -> list[dict]:
        return [self._row(o) for o in reversed(self.book.orders.values())
                if (o.stop is not None) == stops and (o.status == "new") == active
                and p.get("symbol") in (None, o.symbol)]

    async def orders(self, p: dict) -> web.Response:
        if p.get("status") not in ("active", "done"):
            return fail("400100", "status parameter invalid.")
        active = p["status"] == "active"
        rows = self._listed(p, False, active) + ([] if active else self._listed(p, True, False))
        return page(rows)

    async def stop_orders(self, p: dict) -> web.Response:
        return page(self._listed(p, True, True))  # untriggered stops only

    async def positions(self, _p: dict) -> web.Response:
        template = _load("docs_position.json")["data"]
        price = self.tape.price()
        return ok([{**template, "id": f"pos-{sym}", "symbol": sym, "currentQty": int(qty),
                    "isOpen": True, "avgEntryPrice": float(entry), "markPrice": price,
                    "realLeverage": 1.0, "currentTimestamp": now_ms(),
                    "settleCurrency": self.ids[sym]["settleCurrency"]}
                   for sym, (qty, entry) in self.book.positions.items() if qty != 0])

    async def overview(self, p: dict) -> web.Response:
        body = dict(_load("docs_account_overview.json")["data"])
        wallet = float(self.book.wallet)
        body.update(accountEquity=wallet, marginBalance=wallet, availableBalance=wallet,
                    currency=p.get("currency", "XBT"))
        return ok(body)

    async def fills(self, p: dict) -> web.Response:
        template = _load("docs_fills.json")["data"]["items"][0]
        start = int(p.get("startAt", 0))
        return page([{**template, "symbol": t.order.symbol, "tradeId": t.trade_id,
                      "orderId": t.order.venue_id, "side": t.order.side,
                      "liquidity": "maker" if t.maker else "taker", "price": str(t.price),
                      "size": int(t.qty), "fee": str(t.fee), "feeCurrency": "USDT",
                      "settleCurrency": "USDT", "createdAt": t.ts_ms,
                      "tradeTime": t.ts_ms * 1_000_000,
                      "orderType": "limit" if t.order.price is not None else "market",
                      "value": str(t.qty * self.book.sizes[t.order.symbol] * t.price)}
                     for t in reversed(self.book.trades)
                     if t.ts_ms >= start and p.get("symbol") in (None, t.order.symbol)])

    async def change_leverage(self, p: dict) -> web.Response:
        """POST /api/v2/changeCrossUserLeverage (KuCoin Futures, modify cross margin
        leverage): the answer is {"code": "200000", "data": true}, as quoted in ccxt 4.5.90
        (kucoin.set_contract_leverage); a leverage outside 1..the contract's maxLeverage or
        an unknown symbol is the parameter error 400100."""
        contract = self.ids.get(p.get("symbol", ""))
        if contract is None:
            return fail("400100", "Contract parameter invalid.")
        try:
            wanted = Decimal(str(p.get("leverage", "")))
        except ArithmeticError:
            return fail("400100", "leverage invalid")
        if not Decimal(1) <= wanted <= Decimal(contract["maxLeverage"]):
            return fail("400100", "leverage invalid")
        self.leverage_set[contract["symbol"]] = str(p["leverage"])
        return ok(True)
