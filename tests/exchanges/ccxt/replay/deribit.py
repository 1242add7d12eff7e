"""A local Deribit v2 server (JSON-RPC over HTTP GET, BTC-PERPETUAL inverse): private calls
carry ``Authorization: deri-hmac-sha256 id=..,ts=..,sig=..,nonce=..`` with a hex
HMAC-SHA256 of ``ts\\nnonce\\nMETHOD\\nURI\\nbody\\n`` (Deribit's client-signature scheme),
the stamp within 60 s; unknown parameters are refused (-32602), as a strict reading of the
API. Client ids travel as the order ``label`` (not unique at Deribit); an untriggered stop
is ``untriggered``. Bodies are the recorded payloads in tests/fixtures/deribit/ with the
order's own values filled in; errors are JSON-RPC errors with Deribit's codes (13009 bad
signature or key, 10004 unknown order, 10009 not enough funds, 11044 not an open order).
Amounts are USD (Deribit's unit for inverse futures), multiples of the 10 USD contract.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
from decimal import Decimal

from aiohttp import web

from tests.exchanges.ccxt.replay.core import FIXTURES, MINUTE, Book, Resting, Tape, now_ms

DIR = FIXTURES / "deribit"
KEY, SECRET = "deribit-test-client", "deribit-test-secret"
RESOLUTIONS = {"1": 1, "3": 3, "5": 5, "10": 10, "15": 15, "30": 30, "60": 60, "120": 120,
               "180": 180, "360": 360, "720": 720, "1D": 1440}
STATE = {"new": "open", "filled": "filled", "canceled": "cancelled"}
_AUTH = re.compile(r"^deri-hmac-sha256 id=([^,]*),ts=(\d+),sig=([0-9a-f]+),nonce=([^,]+)$")
ORDER_PARAMS = {"instrument_name", "amount", "type", "label", "price", "time_in_force",
                "post_only", "reject_post_only", "reduce_only", "trigger_price", "trigger",
                "trigger_offset", "max_show", "advanced", "mmp", "valid_until"}
PARAMS = {  # method -> the parameters Deribit documents for it
    "buy": ORDER_PARAMS, "sell": ORDER_PARAMS, "cancel": {"order_id"},
    "edit": {"order_id", "amount", "price", "trigger_price", "post_only", "reduce_only",
             "reject_post_only", "advanced", "trigger_offset", "mmp", "valid_until"},
    "get_order_state": {"order_id"},
    "get_open_orders_by_instrument": {"instrument_name", "type"},
    "get_order_history_by_instrument": {"instrument_name", "count", "offset",
                                        "include_old", "include_unfilled"},
    "get_positions": {"currency", "kind", "subaccount_id"},
    "get_account_summaries": {"subaccount_id", "extended"},
    "get_user_trades_by_instrument_and_time": {"instrument_name", "start_timestamp",
                                               "end_timestamp", "count", "sorting",
                                               "include_old"},
    "get_user_trades_by_instrument": {"instrument_name", "start_seq", "end_seq", "count",
                                      "sorting", "include_old"},
}


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())


def ok(result: object) -> web.Response:
    us = now_ms() * 1000
    return web.json_response({"jsonrpc": "2.0", "result": result, "usIn": us, "usOut": us + 9,
                              "usDiff": 9, "testnet": False})


def fail(code: int, message: str, data: object = None, status: int = 400) -> web.Response:
    us = now_ms() * 1000
    return web.json_response({"jsonrpc": "2.0", "error": {"code": code, "message": message,
                                                          "data": data},
                              "usIn": us, "usOut": us + 9, "usDiff": 9, "testnet": False},
                             status=status)


class DeribitServer:
    def __init__(self, tape: Tape | None = None) -> None:
        self.tape = tape or Tape()
        self.book = Book(self.tape)
        self.instruments = _load("http_get_instruments.json")["result"]
        self.ids = {i["instrument_name"]: i for i in self.instruments}
        self.book.sizes = {name: Decimal(0) for name in self.ids}  # inverse maths not modelled
        self.equity = Decimal(1)  # BTC
        self.fail_next_create: str | None = None
        # the next signed request is refused as the venue limits: Deribit's 10028 too_many_requests
        self.rate_limit_next = False
        self.skew_ms = 0  # the venue's clock minus ours: a drifted host in clock tests

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/api/v2/public/get_instruments", self.get_instruments)
        r.add_get("/api/v2/public/get_time", self.get_time)
        r.add_get("/api/v2/public/get_tradingview_chart_data", self.chart)
        for method in PARAMS:
            r.add_get(f"/api/v2/private/{method}", self.signed(method))
        return app

    async def get_instruments(self, request: web.Request) -> web.Response:
        currency = request.query.get("currency", "any")
        return ok([i for i in self.instruments
                   if currency in ("any", i["base_currency"]) and i["is_active"]])

    async def get_time(self, _request: web.Request) -> web.Response:
        return ok(now_ms() + self.skew_ms)

    async def chart(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("instrument_name") not in self.ids:
            return fail(-32602, "Invalid params", {"param": "instrument_name",
                                                   "reason": "wrong format"})
        minutes = RESOLUTIONS.get(q.get("resolution", ""))
        if minutes is None or "start_timestamp" not in q or "end_timestamp" not in q:
            return fail(-32602, "Invalid params", {"param": "resolution",
                                                   "reason": "must be one of the supported"})
        step = minutes * MINUTE
        start, end = int(q["start_timestamp"]), int(q["end_timestamp"])
        rows = self.tape.bars(step, start, end, 5000)  # oldest first, forming bar included
        body = copy.deepcopy(_load("http_get_tradingview_chart_data.json")["result"])
        body.update(ticks=[r[0] for r in rows], open=[r[1] for r in rows],
                    high=[r[2] for r in rows], low=[r[3] for r in rows],
                    close=[r[4] for r in rows], volume=[r[5] / 100 for r in rows],
                    cost=[r[5] * r[4] / 100 for r in rows], status="ok" if rows else "no_data")
        return ok(body)

    # -- auth ---------------------------------------------------------------------------------
    def signed(self, method: str):  # noqa: ANN201
        async def check(request: web.Request) -> web.Response:
            if self.rate_limit_next:
                self.rate_limit_next = False
                return fail(10028, "too_many_requests", None, 429)
            found = _AUTH.match(request.headers.get("Authorization", ""))
            if found is None or found.group(1) != KEY:
                return fail(13009, "unauthorized", {"reason": "invalid_credentials"}, 401)
            client, stamp, sig, nonce = found.groups()
            body = await request.text()
            payload = f"{stamp}\n{nonce}\n{request.method}\n{request.path_qs}\n{body}\n"
            want = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(sig, want):
                return fail(13009, "unauthorized", {"reason": "invalid_signature"}, 401)
            if abs(now_ms() + self.skew_ms - int(stamp)) > 60_000:
                return fail(13009, "unauthorized", {"reason": "invalid_timestamp"}, 401)
            params = dict(request.query)
            unknown = sorted(set(params) - PARAMS[method])
            if unknown:
                return fail(-32602, "Invalid params", {"param": unknown[0],
                                                       "reason": "unknown parameter"})
            self.book.match()
            return await getattr(self, "do_" + method)(params)
        return check

    def _row(self, o: Resting) -> dict:
        stop = o.kind.startswith("stop")
        name = "ws_order_stop_market_response.json" if stop else "ws_order_buy_response.json"
        row = copy.deepcopy(_load(name)["result"]["order"])
        state = STATE[o.status]
        if stop and o.status == "new" and not o.triggered:
            state = "untriggered"
        row.update(label=o.client_id, order_id=o.venue_id, instrument_name=o.symbol,
                   direction=o.side, amount=float(o.qty), contracts=float(o.qty / 10),
                   filled_amount=float(o.filled), average_price=float(o.avg or 0),
                   order_state=state, reduce_only=o.reduce_only, post_only=False,
                   order_type=o.kind if stop else ("limit" if o.price is not None
                                                   else "market"),
                   price=float(o.price) if o.price is not None else "market_price",
                   creation_timestamp=o.created_ms, last_update_timestamp=o.updated_ms)
        if stop:
            row.update(trigger_price=float(o.stop), trigger="last_price")  # type: ignore[arg-type]
        return row

    async def _place(self, p: dict, side: str) -> web.Response:
        inst = self.ids.get(p.get("instrument_name", ""))
        if inst is None:
            return fail(-32602, "Invalid params", {"param": "instrument_name",
                                                   "reason": "wrong format"})
        amount = Decimal(p.get("amount", "0"))
        if amount <= 0 or amount % Decimal(str(inst["min_trade_amount"])) != 0:
            return fail(-32602, "Invalid params", {"param": "amount",
                                                   "reason": "must be a multiple of 10"})
        kind = p.get("type", "limit")
        if kind not in ("limit", "market", "stop_market", "stop_limit"):
            return fail(-32602, "Invalid params", {"param": "type", "reason": "not supported"})
        price = Decimal(p["price"]) if kind in ("limit", "stop_limit") and "price" in p else None
        if kind in ("limit", "stop_limit") and price is None:
            return fail(-32602, "Invalid params", {"param": "price", "reason": "required"})
        stop = Decimal(p["trigger_price"]) if "trigger_price" in p else None
        if kind.startswith("stop") != (stop is not None) or (stop and "trigger" not in p):
            return fail(-32602, "Invalid params", {"param": "trigger_price",
                                                   "reason": "stop orders need a trigger"})
        held = sum(o.qty for o in self.book.orders.values() if o.status == "new")
        if (held + amount) / Decimal(str(self.tape.price())) > self.equity * 50:
            return fail(10009, "not_enough_funds")
        order = Resting(self.book.new_id(), p.get("label", ""), inst["instrument_name"], side,
                        kind, amount, price, stop, p.get("reduce_only") == "true", now_ms())
        self.book.place(order)
        if self.fail_next_create == "timeout_after_accept":
            self.fail_next_create = None
            return web.Response(status=504, text="")  # accepted, but the answer is lost
        return ok({"order": self._row(order), "trades": []})

    async def do_buy(self, p: dict) -> web.Response:
        return await self._place(p, "buy")

    async def do_sell(self, p: dict) -> web.Response:
        return await self._place(p, "sell")

    async def do_cancel(self, p: dict) -> web.Response:
        o = self.book.orders.get(p.get("order_id", ""))
        if o is None:
            return fail(10004, "order_not_found")
        if o.status != "new":
            return fail(11044, "not_open_order")
        o.status, o.updated_ms = "canceled", now_ms()
        row = dict(self._row(o), cancel_reason="user_request")
        return ok(row)

    async def do_edit(self, p: dict) -> web.Response:
        """private/edit: amount, price and a stop's trigger of an open order, in place."""
        o = self.book.orders.get(p.get("order_id", ""))
        if o is None:
            return fail(10004, "order_not_found")
        if o.status != "new":
            return fail(11044, "not_open_order")
        amount = Decimal(p.get("amount", "0"))
        if amount <= 0 or amount % 10 != 0:
            return fail(-32602, "Invalid params", {"param": "amount",
                                                   "reason": "must be a multiple of 10"})
        if "trigger_price" in p and o.stop is None:
            return fail(-32602, "Invalid params", {"param": "trigger_price",
                                                   "reason": "not a trigger order"})
        o.qty = amount
        if "price" in p:
            o.price = Decimal(p["price"])
        if "trigger_price" in p:
            o.stop = Decimal(p["trigger_price"])
        o.updated_ms = now_ms()
        row = dict(self._row(o), replaced=True)
        return ok({**_load("ws_order_edit_response.json")["result"], "order": row,
                   "trades": []})

    async def do_get_order_state(self, p: dict) -> web.Response:
        o = self.book.orders.get(p.get("order_id", ""))
        return fail(10004, "order_not_found") if o is None else ok(self._row(o))

    def _orders(self, p: dict, open_: bool) -> list[dict]:
        return [self._row(o) for o in reversed(self.book.orders.values())
                if (o.status == "new") == open_ and o.symbol == p.get("instrument_name")]

    async def do_get_open_orders_by_instrument(self, p: dict) -> web.Response:
        return ok(self._orders(p, True))

    async def do_get_order_history_by_instrument(self, p: dict) -> web.Response:
        return ok(self._orders(p, False))

    async def do_get_positions(self, p: dict) -> web.Response:
        template = _load("docs_position.json")["row"]
        price = self.tape.price()
        return ok([{**template, "instrument_name": sym, "direction": "buy" if qty > 0 else "sell",
                    "size": float(qty), "size_currency": float(qty) / price,
                    "average_price": float(entry), "mark_price": price, "index_price": price,
                    "leverage": 50}
                   for sym, (qty, entry) in self.book.positions.items() if qty != 0
                   and p.get("currency", "any") in ("any", self.ids[sym]["base_currency"])])

    async def do_get_account_summaries(self, _p: dict) -> web.Response:
        body = copy.deepcopy(_load("http_get_account_summaries.json")["result"])
        for summary in body["summaries"]:
            if summary["currency"] == "BTC":
                free = self.equity - sum(o.qty for o in self.book.orders.values()
                                         if o.status == "new") / Decimal(
                    str(self.tape.price())) / 50
                summary.update(equity=float(self.equity), balance=float(self.equity),
                               margin_balance=float(self.equity), available_funds=float(free),
                               available_withdrawal_funds=float(free))
        return ok(body)

    def _trades(self, p: dict) -> list[dict]:
        template = _load("docs_user_trade.json")["row"]
        start = int(p.get("start_timestamp", 0))
        return [{**template, "trade_id": f"BTC-{t.trade_id}", "trade_seq": int(t.trade_id),
                 "timestamp": t.ts_ms, "order_id": t.order.venue_id, "label": t.order.client_id,
                 "instrument_name": t.order.symbol, "direction": t.order.side,
                 "amount": float(t.qty), "price": float(t.price), "fee": 0.0,
                 "fee_currency": "BTC", "liquidity": "M" if t.maker else "T",
                 "order_type": t.order.kind, "reduce_only": t.order.reduce_only,
                 "index_price": float(t.price), "mark_price": float(t.price)}
                for t in self.book.trades
                if t.ts_ms >= start and t.order.symbol == p.get("instrument_name")]

    async def do_get_user_trades_by_instrument_and_time(self, p: dict) -> web.Response:
        return ok({"trades": self._trades(p), "has_more": False})

    async def do_get_user_trades_by_instrument(self, p: dict) -> web.Response:
        return ok({"trades": self._trades(p), "has_more": False})
