"""A local Kraken Futures server (v3 derivatives API, PF_ multi-collateral contracts): private
calls carry ``APIKey`` and ``Authent`` = base64(HMAC-SHA512(base64-decoded secret,
SHA256(postData + Nonce + endpoint path without its ``/derivatives`` prefix))), checked as
Kraken documents; POST parameters travel in the query (postData), as ccxt sends them.
Failures come as Kraken sends them: ``result: error`` with an ``error`` name, and order
refusals nested under a top-level success (``sendStatus.status`` = e.g.
``clientOrderIdAlreadyExist``, ``insufficientAvailableFunds``). Bodies are the recorded
payloads in tests/fixtures/kraken/ with the order's own values filled in. The tape's prices
are BTC's; the instrument served is the recorded PF_ETHUSD (no PF_XBTUSD was recorded).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal

from aiohttp import web

from tests.exchanges.ccxt.replay.core import FIXTURES, MINUTE, Book, Resting, Tape, now_ms

DIR = FIXTURES / "kraken"
KEY = "kraken-test-key"
SECRET = base64.b64encode(b"kraken-test-secret-bytes").decode()
INTERVALS = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "4h": 240, "12h": 720,
             "1d": 1440, "1w": 10080}
OPEN_STATUS = {"new": "untouched"}


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{ms % 1000:03d}Z")


def ok(**body: object) -> web.Response:
    return web.json_response({"result": "success", **body, "serverTime": iso(now_ms())})


def error(name: str) -> web.Response:
    return web.json_response({"result": "error", "error": name, "serverTime": iso(now_ms())})


class KrakenServer:
    def __init__(self, tape: Tape | None = None) -> None:
        self.tape = tape or Tape()
        self.book = Book(self.tape)
        self.instruments = _load("http_futures_instruments.json")["instruments"]
        self.ids = {i["symbol"]: i for i in self.instruments}
        self.book.sizes = {s: Decimal(str(i["contractSize"])) for s, i in self.ids.items()}
        self.fail_next_create: str | None = None
        # the next signed request is refused as the venue limits: Kraken Futures' apiLimitExceeded
        self.rate_limit_next = False
        self.leverage_set: dict[str, str] = {}  # symbol -> maxLeverage preference set

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/derivatives/api/v3/instruments", self.get_instruments)
        r.add_get("/api/charts/v1/{price_type}/{symbol}/{interval}", self.charts)
        base = "/derivatives/api/v3"
        r.add_post(f"{base}/sendorder", self.signed(self.sendorder))
        r.add_post(f"{base}/cancelorder", self.signed(self.cancelorder))
        r.add_post(f"{base}/editorder", self.signed(self.editorder))
        r.add_get(f"{base}/openorders", self.signed(self.openorders))
        r.add_get(f"{base}/openpositions", self.signed(self.openpositions))
        r.add_get(f"{base}/accounts", self.signed(self.accounts))
        r.add_get(f"{base}/fills", self.signed(self.fills))
        r.add_put(f"{base}/leveragepreferences", self.signed(self.leverage_preferences))
        r.add_get("/api/history/v2/orders", self.signed(self.history_orders))
        return app

    async def get_instruments(self, _request: web.Request) -> web.Response:
        return web.json_response({"result": "success", "instruments": self.instruments})

    async def charts(self, request: web.Request) -> web.Response:
        m = request.match_info
        if m["price_type"] not in ("trade", "mark", "spot") or m["symbol"] not in self.ids:
            return web.json_response({"error": "Not Found"}, status=404)
        minutes = INTERVALS.get(m["interval"])
        if minutes is None:
            return web.json_response({"error": "Not Found"}, status=404)
        q = request.query
        start = int(q["from"]) * 1000 if "from" in q else None
        end = int(q["to"]) * 1000 if "to" in q else None
        rows = self.tape.bars(minutes * MINUTE, start, end, 2000)
        return web.json_response({"candles": [
            {"time": o, "open": str(op), "high": str(h), "low": str(lo), "close": str(c),
             "volume": f"{v:.3f}"} for o, op, h, lo, c, v in rows], "more_candles": False})

    # -- auth ---------------------------------------------------------------------------------
    def signed(self, handler):  # noqa: ANN001, ANN201
        async def check(request: web.Request) -> web.Response:
            if self.rate_limit_next:
                self.rate_limit_next = False
                return error("apiLimitExceeded")
            h = request.headers
            if h.get("APIKey") != KEY:
                return error("authenticationError")
            path = request.path.removeprefix("/derivatives")
            message = request.query_string + h.get("Nonce", "") + path
            digest = hashlib.sha256(message.encode()).digest()
            want = base64.b64encode(hmac.new(base64.b64decode(SECRET), digest,
                                             hashlib.sha512).digest()).decode()
            if not hmac.compare_digest(h.get("Authent", ""), want):
                return error("authenticationError")
            if await request.text():  # ccxt (and Kraken's docs) put postData in the query
                return error("requiredArgumentMissing")
            self.book.match()
            return await handler(dict(request.query))
        return check

    def _event_order(self, o: Resting) -> dict:
        return {"orderId": o.venue_id, "cliOrdId": o.client_id, "type": _short(o),
                "symbol": o.symbol, "side": o.side, "quantity": float(o.qty),
                "filled": float(o.filled), "limitPrice": float(o.price) if o.price else None,
                "reduceOnly": o.reduce_only, "timestamp": iso(o.created_ms),
                "lastUpdateTimestamp": iso(o.updated_ms)}

    async def sendorder(self, p: dict) -> web.Response:
        inst = self.ids.get(p.get("symbol", ""))
        if inst is None:
            return ok(sendStatus={"status": "marketInactive", "orderEvents": []})
        kind = p.get("orderType")
        cid = p.get("cliOrdId", "")
        if kind not in ("lmt", "mkt", "post", "ioc", "stp") or p.get("side") not in ("buy",
                                                                                    "sell"):
            return ok(sendStatus={"status": "invalidOrderType", "orderEvents": []})
        if cid and self.book.by_client(cid) is not None:
            return ok(sendStatus={"status": "clientOrderIdAlreadyExist", "orderEvents": []})
        size = Decimal(p.get("size", "0"))
        step = Decimal(1).scaleb(-int(inst["contractValueTradePrecision"]))
        if size <= 0 or size % step != 0:
            return ok(sendStatus={"status": "invalidSize", "orderEvents": []})
        price = Decimal(p["limitPrice"]) if "limitPrice" in p else None
        stop = Decimal(p["stopPrice"]) if "stopPrice" in p else None
        if (kind in ("lmt", "post", "ioc") and price is None) or ((kind == "stp") != bool(stop)):
            return ok(sendStatus={"status": "invalidPrice", "orderEvents": []})
        live = sum(o.qty * (o.price or Decimal(str(self.tape.price())))
                   for o in self.book.orders.values() if o.status == "new")
        if (live + size * (price or Decimal(str(self.tape.price())))) / 50 > self.book.wallet:
            return ok(sendStatus={"status": "insufficientAvailableFunds", "orderEvents": []})
        ours = {"lmt": "limit", "post": "limit", "ioc": "limit", "mkt": "market"}.get(
            kind, "stop_limit" if price is not None else "stop_market")
        order = self.book.place(Resting(self.book.new_id(), cid, inst["symbol"], p["side"],
                                        ours, size, price, stop,
                                        p.get("reduceOnly") == "true", now_ms()))
        if self.fail_next_create == "timeout_after_accept":
            self.fail_next_create = None
            return web.Response(status=504, text="")  # accepted, but the answer is lost
        if stop is not None:
            body = copy.deepcopy(_load("docs_sendstatus_trigger.json")["body"])
            body["orderEvents"][0]["orderTrigger"].update(
                uid=order.venue_id, clientId=cid, type="lmt" if price else "ioc",
                symbol=order.symbol, side=order.side, quantity=float(size),
                limitPrice=float(price) if price else None, triggerPrice=float(stop),
                triggerSide="trigger_above" if order.side == "buy" else "trigger_below",
                triggerSignal="last_price", reduceOnly=order.reduce_only,
                timestamp=iso(order.created_ms), lastUpdateTimestamp=iso(order.created_ms))
        elif order.status == "filled":  # executed on arrival: an EXECUTION event
            body = copy.deepcopy(_load("docs_sendstatus_market.json")["body"])
            event = body["orderEvents"][0]
            prior = {**self._event_order(order), "filled": 0.0,
                     "lastUpdateTimestamp": iso(order.created_ms)}
            event.update(executionId=self.book.trades[-1].trade_id, price=float(order.avg or 0),
                         amount=float(order.filled), orderPriorExecution=prior)
        else:
            body = copy.deepcopy(_load("docs_sendstatus_limit.json")["body"])
            body["orderEvents"][0]["order"] = self._event_order(order)
        body.update(order_id=order.venue_id, receivedTime=iso(order.created_ms))
        return ok(sendStatus=body)

    async def cancelorder(self, p: dict) -> web.Response:
        o = self.book.orders.get(p.get("order_id", "")) or (
            self.book.by_client(p["cliOrdId"]) if p.get("cliOrdId") else None)
        if o is None or o.status != "new":
            return ok(cancelStatus={"status": "notFound", "receivedTime": iso(now_ms()),
                                    "orderEvents": []})
        o.status, o.updated_ms = "canceled", now_ms()
        body = copy.deepcopy(_load("docs_cancelstatus.json")["body"])
        body["orderEvents"][0].update(uid=o.venue_id, order=self._event_order(o))
        return ok(cancelStatus={**body, "order_id": o.venue_id, "cliOrdId": o.client_id,
                                "receivedTime": iso(now_ms())})

    async def editorder(self, p: dict) -> web.Response:
        o = self.book.orders.get(p.get("orderId", "")) or (
            self.book.by_client(p["cliOrdId"]) if p.get("cliOrdId") else None)
        if o is None or o.status != "new":
            return ok(editStatus={"status": "orderForEditNotFound",
                                  "receivedTime": iso(now_ms()), "orderEvents": []})
        if "stopPrice" in p and o.stop is None:
            return ok(editStatus={"status": "orderForEditNotAStop",
                                  "receivedTime": iso(now_ms()), "orderEvents": []})
        before = self._event_order(o)
        if p.get("size"):
            o.qty = Decimal(p["size"])
        if p.get("limitPrice"):
            o.price = Decimal(p["limitPrice"])
        if p.get("stopPrice"):
            o.stop = Decimal(p["stopPrice"])
        o.updated_ms = now_ms()
        body = copy.deepcopy(_load("docs_editstatus.json")["body"])
        body.update(orderId=o.venue_id, receivedTime=iso(o.updated_ms))
        body["orderEvents"][0].update(old=before, new=self._event_order(o))
        return ok(editStatus=body)

    async def openorders(self, _p: dict) -> web.Response:
        template = _load("http_futures_open_orders.json")["openOrders"][0]
        rows = []
        for o in self.book.orders.values():
            if o.status != "new":
                continue
            row = {k: v for k, v in template.items() if k != "cli_ord_id"}
            row.update(order_id=o.venue_id, cliOrdId=o.client_id, symbol=o.symbol,
                       side=o.side, orderType="stop" if o.stop else "lmt",
                       unfilledSize=float(o.qty - o.filled), filledSize=float(o.filled),
                       receivedTime=iso(o.created_ms), lastUpdateTime=iso(o.updated_ms),
                       status="untouched", reduceOnly=o.reduce_only)
            row.pop("limitPrice", None)
            if o.price is not None:
                row["limitPrice"] = float(o.price)
            if o.stop is not None:
                row.update(stopPrice=float(o.stop), triggerSignal="last")
            rows.append(row)
        return ok(openOrders=rows)

    async def history_orders(self, _p: dict) -> web.Response:
        """Order events, newest first: OrderPlaced, then OrderUpdated (full_fill) or
        OrderCancelled, each carrying the order as it stood (stops live in /triggers)."""
        template = _load("docs_history_order_element.json")["element"]
        elements = []
        for o in self.book.orders.values():
            if o.stop is not None:
                continue
            placed = {**template["event"]["OrderPlaced"]["order"], "uid": o.venue_id,
                      "tradeable": o.symbol, "direction": o.side.capitalize(),
                      "quantity": str(o.qty), "filled": "0", "clientId": o.client_id,
                      "limitPrice": str(o.price or ""), "reduceOnly": o.reduce_only,
                      "orderType": "Limit" if o.price is not None else "Market",
                      "timestamp": str(o.created_ms), "lastUpdateTimestamp": str(o.created_ms)}
            elements.append({**template, "uid": f"{o.venue_id}-p", "timestamp":
                             str(o.created_ms), "event": {"OrderPlaced": {
                                 **template["event"]["OrderPlaced"], "order": placed}}})
            after = {**placed, "filled": str(o.filled), "quantity": str(o.qty - o.filled),
                     "lastUpdateTimestamp": str(o.updated_ms)}
            if o.status == "filled":
                elements.append({"uid": f"{o.venue_id}-f", "timestamp": str(o.updated_ms),
                                 "event": {"OrderUpdated": {"oldOrder": placed,
                                                            "newOrder": after,
                                                            "reason": "full_fill"}}})
            elif o.status == "canceled":
                elements.append({"uid": f"{o.venue_id}-c", "timestamp": str(o.updated_ms),
                                 "event": {"OrderCancelled": {"order": after,
                                                              "reason": "cancelled_by_user"}}})
        elements.sort(key=lambda e: int(e["timestamp"]), reverse=True)
        return web.json_response({"accountUid": template["event"]["OrderPlaced"]["order"][
            "accountUid"], "len": len(elements), "elements": elements})

    async def openpositions(self, _p: dict) -> web.Response:
        template = _load("http_futures_open_positions.json")["openPositions"][0]
        return ok(openPositions=[
            {**template, "symbol": sym, "side": "long" if qty > 0 else "short",
             "size": float(abs(qty)), "price": float(entry), "fillTime": iso(now_ms()),
             "unrealizedFunding": 0.0}
            for sym, (qty, entry) in self.book.positions.items() if qty != 0])

    async def accounts(self, _p: dict) -> web.Response:
        flex = copy.deepcopy(_load("docs_accounts_flex.json")["flex"])
        wallet = str(self.book.wallet)
        flex["currencies"] = {"USD": {**flex["currencies"]["USDT"], "quantity": wallet,
                                      "value": wallet, "collateral": wallet,
                                      "available": wallet}}
        flex.update(balanceValue=wallet, portfolioValue=wallet, collateralValue=wallet,
                    availableMargin=wallet, marginEquity=wallet)
        return ok(accounts={"flex": flex})

    async def fills(self, p: dict) -> web.Response:
        template = {k: v for k, v in _load("http_futures_fills.json")["fills"][1].items()
                    if k != "cli_ord_id"}
        return ok(fills=[{**template, "fill_id": t.trade_id, "symbol": t.order.symbol,
                          "side": t.order.side, "order_id": t.order.venue_id,
                          "cliOrdId": t.order.client_id, "fillTime": iso(t.ts_ms),
                          "size": float(t.qty), "price": float(t.price),
                          "fillType": "maker" if t.maker else "taker",
                          "fee_paid": float(t.fee), "fee_currency": "USD"}
                         for t in reversed(self.book.trades)])

    async def leverage_preferences(self, p: dict) -> web.Response:
        """PUT /derivatives/api/v3/leveragepreferences?maxLeverage=&symbol= (Kraken Futures,
        set the leverage setting): {"result": "success", "serverTime": ...}, the shape ccxt
        4.5.90 quotes (krakenfutures.set_leverage). Above 1 / the first margin level's
        initialMargin of the recorded instrument (50 for PF_ETHUSD), or for a symbol it
        does not list, the venue's invalidArgument."""
        inst = self.ids.get(p.get("symbol", ""))
        if inst is None:
            return error("invalidArgument")
        try:
            wanted = Decimal(p.get("maxLeverage", ""))
        except ArithmeticError:
            return error("invalidArgument")
        top = 1 / Decimal(str(inst["marginLevels"][0]["initialMargin"]))
        if not Decimal(1) <= wanted <= top:
            return error("invalidArgument")
        self.leverage_set[inst["symbol"]] = p["maxLeverage"]
        return ok()


def _short(o: Resting) -> str:
    return {"limit": "lmt", "market": "mkt"}.get(o.kind, "stp")
