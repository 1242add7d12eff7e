"""A local OKX v5 server (SWAP): OK-ACCESS-* headers with a base64 HMAC-SHA256 over
timestamp + method + path + body, the passphrase and the demo-trading header checked;
HTTP 200 with code != "0" (and sCode per order) for failures; candles newest first; stops
on the algo-order endpoints. Bodies are the recorded payloads in tests/fixtures/okx/ with
the order's own values filled in; error codes are OKX's documented ones (50111 bad key,
50113 bad signature, 50105 bad passphrase, 50102 stale timestamp, 51603 unknown order,
51016 duplicate clOrdId, 51001 unknown instrument, 51023 no position to close).
POST /api/v5/trade/close-position follows OKX's v5 reference ("Close positions": instId,
mgnMode, posSide only "net" in net mode, ccy, autoCxl, clOrdId, tag; answered with instId,
posSide, clOrdId and tag, no ordId): a market order of the whole position, any size.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import datetime
from decimal import Decimal

from aiohttp import web

from tests.exchanges.ccxt.replay.core import FIXTURES, MINUTE, Book, Resting, Tape, now_ms

DIR = FIXTURES / "okx"
KEY, SECRET, PASSPHRASE = "okx-test-key", "okx-test-secret", "okx-test-pass"
BARS = {"1m": MINUTE, "3m": 3 * MINUTE, "5m": 5 * MINUTE, "15m": 15 * MINUTE,
        "30m": 30 * MINUTE, "1H": 60 * MINUTE, "2H": 120 * MINUTE, "4H": 240 * MINUTE,
        "1Dutc": 1440 * MINUTE, "1D": 1440 * MINUTE}
STATE = {"new": "live", "filled": "filled", "canceled": "canceled"}


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())


def ok(data: list) -> web.Response:
    return web.json_response({"code": "0", "msg": "", "data": data})


def fail(code: str, msg: str, data: list | None = None) -> web.Response:
    return web.json_response({"code": code, "msg": msg, "data": data or []})


class OkxServer:
    def __init__(self, tape: Tape | None = None, demo: bool = False) -> None:
        self.tape = tape or Tape()
        self.book = Book(self.tape)
        self.demo = demo  # demo trading: requests must carry x-simulated-trading: 1
        self.instruments = _load("http_get_instruments_swap.json")["data"]
        self.ids = {i["instId"]: i for i in self.instruments}
        self.book.sizes = {i["instId"]: Decimal(i["ctVal"]) for i in self.instruments}
        self.fail_next_create: str | None = None
        # the next signed request is refused as the venue limits: OKX's 50011 at HTTP 429
        self.rate_limit_next = False
        self.fail_next_close: str | None = None
        self.position_mode = "net_mode"
        self.skew_ms = 0  # the venue's clock minus ours: a drifted host in clock tests
        self.leverage_set: dict[str, str] = {}  # instId -> lever set (cross, net mode)

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/api/v5/public/instruments", self.instruments_info)
        r.add_get("/api/v5/public/time", self.time)
        r.add_get("/api/v5/market/candles", self.candles)
        r.add_get("/api/v5/market/history-candles", self.candles)
        r.add_post("/api/v5/trade/order", self.signed(self.create))
        r.add_post("/api/v5/trade/close-position", self.signed(self.close_position))
        r.add_post("/api/v5/trade/batch-orders", self.signed(self.batch))
        r.add_get("/api/v5/trade/order", self.signed(self.query))
        r.add_post("/api/v5/trade/cancel-order", self.signed(self.cancel))
        r.add_get("/api/v5/trade/orders-pending", self.signed(self.pending))
        r.add_get("/api/v5/trade/orders-history", self.signed(self.history))
        r.add_post("/api/v5/trade/order-algo", self.signed(self.create_algo))
        r.add_get("/api/v5/trade/order-algo", self.signed(self.query_algo))
        r.add_get("/api/v5/trade/orders-algo-pending", self.signed(self.algo_pending))
        r.add_get("/api/v5/trade/orders-algo-history", self.signed(self.algo_history))
        r.add_post("/api/v5/trade/cancel-algos", self.signed(self.cancel_algos))
        r.add_post("/api/v5/trade/amend-order", self.signed(self.amend))
        r.add_post("/api/v5/trade/amend-algos", self.signed(self.amend_algo))
        r.add_get("/api/v5/account/positions", self.signed(self.positions))
        r.add_get("/api/v5/account/config", self.signed(self.account_config))
        r.add_post("/api/v5/account/set-leverage", self.signed(self.set_leverage))
        r.add_get("/api/v5/account/balance", self.signed(self.balance))
        r.add_get("/api/v5/trade/fills", self.signed(self.fills))
        r.add_get("/api/v5/trade/fills-history", self.signed(self.fills))
        return app

    async def instruments_info(self, request: web.Request) -> web.Response:
        if request.query.get("instType") != "SWAP":
            return fail("51000", "Parameter instType error")
        return ok(self.instruments)

    async def time(self, _request: web.Request) -> web.Response:
        return ok([{"ts": str(now_ms() + self.skew_ms)}])

    async def candles(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("instId") not in self.ids:
            return fail("51001", "Instrument ID does not exist")
        step = BARS.get(q.get("bar", "1m"))
        if step is None:
            return fail("51000", "Parameter bar error")
        limit = min(int(q.get("limit", 100)), 300)
        # after = older than (exclusive), before = newer than (exclusive)
        end = int(q["after"]) - 1 if "after" in q else None
        start = int(q["before"]) + 1 if "before" in q else None
        rows = self.tape.bars(step, start, end, limit, newest_first=True)
        if start is not None and end is None:
            rows = rows[-limit:]
        now = now_ms()
        return ok([[str(o), str(op), str(h), str(lo), str(c), f"{v:.3f}", "0", "0",
                    "1" if o + step <= now else "0"] for o, op, h, lo, c, v in rows])

    # -- auth ---------------------------------------------------------------------------------
    def signed(self, handler):  # noqa: ANN001, ANN201
        async def check(request: web.Request) -> web.Response:
            if self.rate_limit_next:
                self.rate_limit_next = False
                return web.json_response({"code": "50011", "msg": "Too Many Requests",
                                          "data": []}, status=429)
            h = request.headers
            if h.get("OK-ACCESS-KEY") != KEY:
                return fail("50111", "Invalid OK-ACCESS-KEY")
            if h.get("OK-ACCESS-PASSPHRASE") != PASSPHRASE:
                return fail("50105", "Invalid OK-ACCESS-PASSPHRASE")
            if self.demo != (h.get("x-simulated-trading") == "1"):
                return fail("50101", "APIKey does not match current environment")
            stamp = h.get("OK-ACCESS-TIMESTAMP", "")
            body = await request.text()
            path = request.path_qs
            want = base64.b64encode(hmac.new(SECRET.encode(),
                                             (stamp + request.method + path + body).encode(),
                                             hashlib.sha256).digest()).decode()
            if not hmac.compare_digest(h.get("OK-ACCESS-SIGN", ""), want):
                return fail("50113", "Invalid Sign")
            try:
                sent = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000
            except ValueError:
                return fail("50112", "Invalid OK-ACCESS-TIMESTAMP")
            if abs(now_ms() + self.skew_ms - sent) > 30_000:
                return fail("50102", "Timestamp request expired")
            params = json.loads(body) if request.method == "POST" and body else dict(
                request.query)
            self.book.match()
            return await handler(params)
        return check

    def _row(self, o: Resting) -> dict:
        row = copy.deepcopy(_load("http_get_orders_pending.json")["data"][0])
        row.update(clOrdId=o.client_id, ordId=o.venue_id, instId=o.symbol,
                   ordType="limit" if o.price is not None else "market",
                   px=str(o.price or ""), sz=str(o.qty), side=o.side, posSide="net",
                   state=STATE[o.status], accFillSz=str(o.filled), fillSz=str(o.filled),
                   avgPx=str(o.avg or ""), reduceOnly=str(o.reduce_only).lower(),
                   cTime=str(o.created_ms), uTime=str(o.updated_ms))
        return row

    def _algo_row(self, o: Resting) -> dict:
        row = copy.deepcopy(_load("http_get_orders_algo_pending.json")["data"][0])
        state = {"new": "live", "filled": "effective", "canceled": "canceled"}[o.status]
        row.update(algoId=o.venue_id, algoClOrdId=o.client_id, instId=o.symbol, side=o.side,
                   posSide="net", sz=str(o.qty), state=state, triggerPx=str(o.stop),
                   ordPx=str(o.price) if o.price is not None else "-1", tdMode="cross",
                   cTime=str(o.created_ms), uTime=str(o.updated_ms))
        return row

    def _new(self, p: dict, client_key: str, stop: Decimal | None) -> Resting | web.Response:
        if p.get("instId") not in self.ids:
            return fail("51001", "Instrument ID does not exist")
        client_id = p.get(client_key) or f"auto{self.book.new_id()}"
        if not client_id.isalnum() or len(client_id) > 32:
            return fail("1", "Operation failed.", [{"sCode": "51000", "sMsg": "Parameter "
                                                   f"{client_key} error"}])
        existing = self.book.by_client(client_id)
        if existing is not None:
            return fail("1", "Operation failed.", [{"sCode": "51016", "sMsg": "Duplicated "
                                                   "clOrdId", client_key: client_id}])
        kind = p.get("ordType", "")
        px = p.get("px") or p.get("orderPx")
        price = Decimal(px) if px and px != "-1" else None
        if stop is not None:
            kind = "stop_limit" if price is not None else "stop_market"
        elif kind not in ("limit", "market", "post_only", "ioc", "fok"):
            return fail("51000", "Parameter ordType error")
        else:
            kind = "market" if kind == "market" else "limit"
        return Resting(self.book.new_id(), client_id, p["instId"], p["side"], kind,
                       Decimal(p["sz"]), price, stop, str(p.get("reduceOnly")).lower() ==
                       "true", now_ms())

    async def create(self, p: dict) -> web.Response:
        order = self._new(p, "clOrdId", None)
        if isinstance(order, web.Response):
            return order
        self.book.place(order)
        if self.fail_next_create == "timeout_after_accept":
            self.fail_next_create = None
            return web.Response(status=504, text="")
        body = dict(_load("http_place_order_response.json"), ordId=order.venue_id,
                    clOrdId=order.client_id, ts=str(order.created_ms))
        return ok([body])

    async def close_position(self, p: dict) -> web.Response:
        """The whole net position at market, whatever its size (below minSz/lotSz too)."""
        unknown = set(p) - {"instId", "mgnMode", "posSide", "ccy", "autoCxl", "clOrdId", "tag"}
        if unknown:
            return fail("51000", f"Parameter {sorted(unknown)[0]} error")
        if p.get("instId") not in self.ids:
            return fail("51001", "Instrument ID does not exist")
        if p.get("mgnMode") != "cross":  # every position here is cross
            return fail("51000", "Parameter mgnMode error")
        if p.get("posSide", "net") != "net":
            return fail("51000", "Parameter posSide error")
        held = self.book.positions.get(p["instId"], (Decimal(0), Decimal(0)))[0]
        if held == 0:
            return fail("51023", "Position does not exist")
        order = self._new({"instId": p["instId"], "clOrdId": p.get("clOrdId"),
                           "side": "sell" if held > 0 else "buy", "ordType": "market",
                           "sz": str(abs(held)), "reduceOnly": "true"}, "clOrdId", None)
        if isinstance(order, web.Response):
            return order
        self.book.place(order)
        if self.fail_next_close == "timeout_after_accept":
            self.fail_next_close = None
            return web.Response(status=504, text="")
        return ok([{"instId": p["instId"], "posSide": "net", "clOrdId": p.get("clOrdId", ""),
                    "tag": p.get("tag", "")}])

    async def batch(self, p: object) -> web.Response:
        if not isinstance(p, list) or len(p) != 1:
            return fail("51000", "Parameter error")  # ccxt sends one order at a time here
        return await self.create(p[0])

    async def create_algo(self, p: dict) -> web.Response:
        trigger = p.get("triggerPx") or p.get("slTriggerPx")
        if not trigger:
            return fail("51000", "Parameter triggerPx error")
        order = self._new({**p, "algoClOrdId": p.get("algoClOrdId") or p.get("clOrdId")},
                          "algoClOrdId", Decimal(trigger))
        if isinstance(order, web.Response):
            return order
        self.book.place(order)
        body = dict(_load("http_place_algo_order_response.json")["data"][0],
                    algoId=order.venue_id, algoClOrdId=order.client_id)
        return ok([body])

    def _find(self, p: dict, client_key: str, id_key: str, stops: bool) -> Resting | None:
        o = self.book.by_client(p[client_key]) if p.get(client_key) else (
            self.book.orders.get(p.get(id_key, "")))
        if o is None or o.kind.startswith("stop") != stops:
            return None
        return o if p.get("instId") in (None, o.symbol) else None

    async def query(self, p: dict) -> web.Response:
        o = self._find(p, "clOrdId", "ordId", stops=False)
        if o is None:
            return fail("51603", "Order does not exist")
        return ok([self._row(o)])

    async def amend(self, p: dict) -> web.Response:
        o = self._find(p, "clOrdId", "ordId", stops=False)
        if o is None or o.status != "new":
            return fail("1", "Operation failed.", [{"sCode": "51503", "sMsg": "Order modification "
                                                   "failed as the order does not exist."}])
        if p.get("newSz"):
            o.qty = Decimal(p["newSz"])
        if p.get("newPx"):
            o.price = Decimal(p["newPx"])
        o.updated_ms = now_ms()
        return ok([{"clOrdId": o.client_id, "ordId": o.venue_id, "reqId": "", "sCode": "0",
                    "sMsg": ""}])

    async def amend_algo(self, p: dict) -> web.Response:
        o = self._find(p, "algoClOrdId", "algoId", stops=True)
        if o is None or o.status != "new":
            return fail("1", "Operation failed.", [{"sCode": "51603", "sMsg": "Order does not "
                                                   "exist"}])
        if p.get("newTriggerPx"):
            o.stop = Decimal(str(p["newTriggerPx"]))
        if p.get("newSz"):
            o.qty = Decimal(p["newSz"])
        o.updated_ms = now_ms()
        return ok([{"algoClOrdId": o.client_id, "algoId": o.venue_id, "reqId": "",
                    "sCode": "0", "sMsg": ""}])

    async def query_algo(self, p: dict) -> web.Response:
        o = self._find(p, "algoClOrdId", "algoId", stops=True)
        if o is None:
            return fail("51603", "Order does not exist")
        return ok([self._algo_row(o)])

    async def cancel(self, p: dict) -> web.Response:
        o = self._find(p, "clOrdId", "ordId", stops=False)
        if o is None or o.status != "new":
            return fail("1", "Operation failed.", [{"sCode": "51400", "sMsg": "Cancellation "
                                                   "failed as the order does not exist."}])
        o.status, o.updated_ms = "canceled", now_ms()
        return ok([{"clOrdId": o.client_id, "ordId": o.venue_id, "sCode": "0", "sMsg": ""}])

    async def cancel_algos(self, p: object) -> web.Response:
        items = p if isinstance(p, list) else [p]
        for item in items:
            o = self._find(item, "algoClOrdId", "algoId", stops=True)
            if o is None or o.status != "new":
                return fail("1", "Operation failed.", [{"sCode": "51603", "sMsg": "Order does "
                                                       "not exist"}])
            o.status, o.updated_ms = "canceled", now_ms()
        return ok([dict(_load("http_cancel_algo_order_response.json")["data"][0],
                        algoId=item["algoId"]) for item in items])

    def _orders(self, p: dict, stops: bool, open_: bool) -> list[Resting]:
        return [o for o in reversed(self.book.orders.values())
                if o.kind.startswith("stop") == stops and (o.status == "new") == open_
                and p.get("instId") in (None, o.symbol)]

    async def pending(self, p: dict) -> web.Response:
        return ok([self._row(o) for o in self._orders(p, False, True)])

    async def history(self, p: dict) -> web.Response:
        return ok([self._row(o) for o in self._orders(p, False, False)])

    async def algo_pending(self, p: dict) -> web.Response:
        rows = [self._algo_row(o) for o in self._orders(p, True, True)]
        if p.get("algoClOrdId"):
            rows = [r for r in rows if r["algoClOrdId"] == p["algoClOrdId"]]
        return ok(rows)

    async def algo_history(self, p: dict) -> web.Response:
        rows = [self._algo_row(o) for o in self._orders(p, True, False)]
        if p.get("algoClOrdId"):
            rows = [r for r in rows if r["algoClOrdId"] == p["algoClOrdId"]]
        return ok(rows)

    async def positions(self, p: dict) -> web.Response:
        template = _load("http_get_positions.json")["data"][0]
        price = str(self.tape.price())
        return ok([{**template, "instId": sym, "posSide": "net", "pos": str(qty),
                    "avgPx": str(entry), "markPx": price, "last": price, "mgnMode": "cross",
                    "ccy": "USDT", "realizedPnl": "0", "uTime": str(now_ms())}
                   for sym, (qty, entry) in self.book.positions.items()
                   if qty != 0 and p.get("instId") in (None, sym)])

    async def account_config(self, _p: dict) -> web.Response:
        """The account's position mode, in the recorded set-position-mode answer's field."""
        row = dict(_load("http_set_position_mode_response.json")["data"][0])
        row["posMode"] = self.position_mode
        return ok([row])

    async def balance(self, _p: dict) -> web.Response:
        body = copy.deepcopy(_load("http_get_account_balance.json")["data"][0])
        detail = dict(body["details"][0], ccy="USDT")
        wallet = str(self.book.wallet)
        detail.update(availBal=wallet, availEq=wallet, cashBal=wallet, eq=wallet,
                      frozenBal="0", ordFrozen="0")
        body["details"] = [detail]
        body["uTime"] = str(now_ms())
        return ok([body])

    async def fills(self, p: dict) -> web.Response:
        template = _load("http_transaction_detail.json")
        start = int(p.get("begin", 0))
        return ok([{**template, "instType": "SWAP", "instId": t.order.symbol,
                    "tradeId": t.trade_id, "ordId": t.order.venue_id,
                    "clOrdId": t.order.client_id, "fillPx": str(t.price),
                    "fillSz": str(t.qty), "side": t.order.side, "fee": str(-t.fee),
                    "execType": "M" if t.maker else "T", "ts": str(t.ts_ms)}
                   for t in self.book.trades if t.ts_ms >= start
                   and p.get("instId") in (None, t.order.symbol)])

    async def set_leverage(self, p: dict) -> web.Response:
        """POST /api/v5/account/set-leverage; the answer's shape is OKX's as quoted in ccxt
        4.5.90 (okx.set_leverage): {"code": "0", "data": [{instId, lever, mgnMode, posSide}],
        "msg": ""}. An unknown instId is 51001, a lever outside 1..the instrument's ``lever``
        51000, a margin mode other than cross/isolated 51000 (OKX's parameter error)."""
        inst = self.ids.get(p.get("instId", ""))
        if inst is None:
            return fail("51001", "Instrument ID does not exist")
        if p.get("mgnMode") not in ("cross", "isolated"):
            return fail("51000", "Parameter mgnMode error")
        try:
            lever = Decimal(str(p.get("lever", "")))
        except ArithmeticError:
            return fail("51000", "Parameter lever error")
        if not Decimal(1) <= lever <= Decimal(inst["lever"]):
            return fail("51000", "Parameter lever error")
        self.leverage_set[inst["instId"]] = str(p["lever"])
        return ok([{"instId": inst["instId"], "lever": str(p["lever"]),
                    "mgnMode": p["mgnMode"], "posSide": p.get("posSide", "net")}])
