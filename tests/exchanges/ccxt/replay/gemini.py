"""A local Gemini server (perpetual btcgusdperp, settled in GUSD).

Private calls are POSTs whose parameters travel in signed headers, as Gemini documents:
X-GEMINI-APIKEY, X-GEMINI-PAYLOAD = base64 of a JSON object holding ``request`` (the path)
and ``nonce`` (greater than the key's last one, and within 30 s of now when it is a
millisecond or second stamp), X-GEMINI-SIGNATURE = hex HMAC-SHA384(secret, payload).
Failures are ``{"result": "error", "reason": ..., "message": ...}`` with Gemini's reasons.

No kinder than Gemini: only ``exchange limit`` and ``exchange stop limit`` orders (no market
type: an IOC limit stands in); options only maker-or-cancel / immediate-or-cancel /
fill-or-kill, none on a stop; a sell stop's limit at or below its trigger, a buy stop's at
or above; amounts in steps of the contract's 0.0001 BTC, prices of its 0.5 tick; unknown
symbol -> InvalidSymbol. Stricter than Gemini where Gemini is silent: an order field Gemini
does not document (e.g. a reduce-only flag, which it has not) is refused, so the adapter can
never rely on a flag the venue would ignore. Client ids are not unique (Gemini only
recommends it); /v1/order/status by client_order_id answers every order under it.

Candles: GET /v2/candles/{symbol}/{1m|5m|15m|30m|1hr|6hr|1day}, newest first, the venue's
recent window only (1m: one day, 5m: two, 15m: three, 30m: seven, 1hr: 30, 6hr: 60, 1day:
365 days), no paging parameter. Bodies are the recorded/documented payloads in
tests/fixtures/gemini/ (see SOURCES.md) with the order's own values filled in.
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

DIR = FIXTURES / "gemini"
KEY, SECRET = "account-gemini-test-key", "gemini-test-secret"
SYMBOL = "btcgusdperp"
LOT, TICK = Decimal("0.0001"), Decimal("0.5")
WINDOW_DAYS = {"1m": (1, 1), "5m": (5, 2), "15m": (15, 3), "30m": (30, 7), "1hr": (60, 30),
               "6hr": (360, 60), "1day": (1440, 365)}  # minutes a bar, days served
ORDER_FIELDS = {"client_order_id", "symbol", "amount", "price", "side", "type", "options",
                "stop_price", "account"}
OPTIONS = {"maker-or-cancel", "immediate-or-cancel", "fill-or-kill"}


def _load(name: str):  # noqa: ANN202 - JSON
    return json.loads((DIR / name).read_text())["body"]


def fail(reason: str, message: str, status: int = 400) -> web.Response:
    body = dict(_load("ccxt_error.json"), reason=reason, message=message)
    return web.json_response(body, status=status)


class GeminiServer:
    def __init__(self, tape: Tape | None = None) -> None:
        self.tape = tape or Tape()
        self.book = Book(self.tape)
        self.book.sizes = {SYMBOL: Decimal(1)}  # amounts are BTC
        self.book.wallet = Decimal(10_000)  # GUSD
        self.last_nonce: dict[str, int] = {}
        self.options: dict[str, list[str]] = {}  # venue id -> the order's options
        self.fail_next_create: str | None = None

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_get("/v1/symbols", self.symbols)
        r.add_get("/v1/symbols/details/{symbol}", self.details)
        r.add_get("/v1/pubticker/{symbol}", self.ticker)
        r.add_get("/v2/candles/{symbol}/{tf}", self.candles)
        for path, handler in (("/v1/order/new", self.create), ("/v1/order/cancel", self.cancel),
                              ("/v1/order/status", self.status), ("/v1/orders", self.live),
                              ("/v1/mytrades", self.mytrades), ("/v1/balances", self.balances),
                              ("/v1/positions", self.positions)):
            r.add_post(path, self.signed(handler))
        return app

    # -- public -------------------------------------------------------------------------------
    async def symbols(self, _request: web.Request) -> web.Response:
        # the recorded list (2021, before perpetuals) with the perpetual Gemini lists now
        return web.json_response([*_load("recorded_symbols.json"), SYMBOL])

    async def details(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"].lower()
        if symbol == SYMBOL:  # the documented perpetual fields on the recorded row's shape
            return web.json_response(dict(
                _load("ccxt_perp_symbol_details.json"), symbol="BTCGUSDPERP", quote_currency="GUSD",
                tick_size=float(LOT), quote_increment=float(TICK), min_order_size=str(LOT)))
        if symbol == "btcusd":
            return web.json_response(_load("recorded_symbol_details_btcusd.json"))
        return self._bad_symbol(symbol)

    def _bad_symbol(self, symbol: str) -> web.Response:
        return fail("InvalidSymbol", f"Supplied value '{symbol}' is not a valid symbol")

    async def ticker(self, request: web.Request) -> web.Response:
        if request.match_info["symbol"].lower() != SYMBOL:
            return self._bad_symbol(request.match_info["symbol"])
        price = Decimal(str(self.tape.price()))
        body = copy.deepcopy(_load("ccxt_static_pubticker_btcgusdperp.json"))
        body.update(bid=str(price - TICK), ask=str(price + TICK), last=str(price))
        body["volume"]["timestamp"] = str(now_ms() - now_ms() % 1000)
        return web.json_response(body)

    async def candles(self, request: web.Request) -> web.Response:
        symbol, tf = request.match_info["symbol"].lower(), request.match_info["tf"]
        if symbol != SYMBOL:
            return self._bad_symbol(symbol)
        if tf not in WINDOW_DAYS:
            return fail("InvalidTimeframe", f"Supplied value '{tf}' is not a valid time frame")
        minutes, days = WINDOW_DAYS[tf]
        step = minutes * MINUTE
        start = now_ms() - days * 1440 * MINUTE
        rows = self.tape.bars(step, start, None, days * 1440 // minutes + 1, newest_first=True)
        # the recorded row's shape: [open ms, o, h, l, c, v] with numbers, newest first
        assert len(_load("ccxt_static_candles.json")[0]) == 6
        return web.json_response([[o, op, h, lo, c, round(v, 8)] for o, op, h, lo, c, v in rows])

    # -- auth ---------------------------------------------------------------------------------
    def signed(self, handler):  # noqa: ANN001, ANN201
        async def check(request: web.Request) -> web.Response:
            h = request.headers
            key, payload = h.get("X-GEMINI-APIKEY"), h.get("X-GEMINI-PAYLOAD", "")
            if not key:
                return fail("MissingApikeyHeader", "Missing API key header")
            if not payload:
                return fail("MissingPayloadHeader", "Missing payload header")
            if key != KEY:
                return fail("InvalidApiKey", "Invalid API key")
            want = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha384).hexdigest()
            if not hmac.compare_digest(h.get("X-GEMINI-SIGNATURE", ""), want):
                return fail("InvalidSignature", "InvalidSignature")
            try:
                params = json.loads(base64.b64decode(payload))
            except ValueError:
                return fail("InvalidJson", "Invalid JSON in payload")
            if params.pop("request", None) != request.path:
                return fail("EndpointMismatch", "EndpointMismatch")
            nonce = str(params.pop("nonce", ""))
            if not nonce.isdigit() or int(nonce) <= self.last_nonce.get(key, 0):
                return fail("InvalidNonce", f"Nonce '{nonce}' has not increased since your "
                            "last call to the Gemini API.")
            stamp = int(nonce) if int(nonce) > 10**12 else int(nonce) * 1000
            if int(nonce) > 10**9 and abs(stamp - now_ms()) > 30_000:
                return fail("InvalidNonce", f"Nonce '{nonce}' is not within 30 seconds of now")
            self.last_nonce[key] = int(nonce)
            self.book.match()
            return await handler(params)
        return check

    def _row(self, o: Resting) -> dict:
        row = copy.deepcopy(_load("docs_order_status.json"))
        live = o.status == "new"
        row.update(order_id=o.venue_id, id=o.venue_id, client_order_id=o.client_id,
                   symbol=o.symbol, side=o.side, timestamp=str(o.created_ms // 1000),
                   timestampms=o.created_ms, is_live=live, is_cancelled=o.status == "canceled",
                   type="exchange stop limit" if o.stop is not None else "exchange limit",
                   executed_amount=str(o.filled), remaining_amount=str(o.qty - o.filled),
                   original_amount=str(o.qty), price=str(o.price),
                   avg_execution_price=str(o.avg if o.avg is not None else "0.00"),
                   options=self.options.get(o.venue_id, []))
        if o.stop is not None:
            row["stop_price"] = str(o.stop)
        return row

    # -- orders -------------------------------------------------------------------------------
    def _refusal(self, p: dict) -> web.Response | None:
        """Gemini's answer to an order it refuses before booking it; None: it is valid."""
        unknown = set(p) - ORDER_FIELDS
        if unknown:
            return fail("InvalidJson", f"Unsupported field(s): {', '.join(sorted(unknown))}")
        if str(p.get("symbol", "")).lower() != SYMBOL:
            return self._bad_symbol(str(p.get("symbol")))
        kind, side = p.get("type"), p.get("side")
        if kind not in ("exchange limit", "exchange stop limit"):
            return fail("InvalidOrderType", f"Invalid order type for symbol {SYMBOL}: {kind}")
        if side not in ("buy", "sell"):
            return fail("InvalidSide", f"Invalid side for symbol {SYMBOL}: {side}")
        if p.get("client_order_id") is not None and not isinstance(p["client_order_id"], str):
            return fail("ClientOrderIdMustBeString", "The Client Order ID must be a string")
        options = p.get("options", [])
        if not isinstance(options, list):
            return fail("OptionsMustBeArray", "The options parameter must be an array.")
        if len(options) > 1 or any(o not in OPTIONS for o in options):
            return fail("UnsupportedOption", f"Option(s) {options} not supported")
        try:
            qty, price = Decimal(str(p.get("amount"))), Decimal(str(p.get("price")))
            stop = Decimal(str(p["stop_price"])) if "stop_price" in p else None
        except ArithmeticError:
            return fail("InvalidQuantity", "Invalid quantity or price")
        if qty <= 0 or qty % LOT:
            return fail("InvalidQuantity", f"Invalid quantity for symbol {SYMBOL}: {qty}")
        if price <= 0 or price % TICK or (stop is not None and stop % TICK):
            return fail("InvalidPrice", f"Invalid price for symbol {SYMBOL}: {price}")
        if (kind == "exchange stop limit") != (stop is not None):
            return fail("InvalidOrderType", "a stop limit order needs stop_price, and only it")
        if stop is not None and (options or (price > stop if side == "sell" else price < stop)):
            return fail("InvalidPrice", f"Invalid stop price {stop} for a {side} stop limit "
                        f"at {price}")
        return None

    async def create(self, p: dict) -> web.Response:
        refused = self._refusal(p)
        if refused is not None:
            return refused
        side, cid, options = p["side"], p.get("client_order_id"), p.get("options", [])
        qty, price = Decimal(str(p["amount"])), Decimal(str(p["price"]))
        stop = Decimal(str(p["stop_price"])) if "stop_price" in p else None
        mark = Decimal(str(self.tape.price()))
        margin = sum(o.qty * (o.price or mark) for o in self.book.orders.values()
                     if o.status == "new") + qty * price
        if margin > self.book.wallet * 20:
            return fail("InsufficientFunds", f"Failed to place {side} order on symbol "
                        f"'BTCGUSDPERP' for price ${price} and quantity {qty} due to "
                        "insufficient funds", 406)
        order = Resting(self.book.new_id(), cid or str(now_ms()), SYMBOL, side,
                        "stop_limit" if stop is not None else "limit", qty, price, stop, False,
                        now_ms())
        self.options[order.venue_id] = list(options)
        if "maker-or-cancel" in options and _crosses(order, mark):
            order.status = "canceled"
            self.book.orders[order.venue_id] = order
        else:
            self.book.place(order)
        if order.status == "new" and options and options[0] != "maker-or-cancel":
            order.status, order.updated_ms = "canceled", now_ms()  # IOC/FOK never rest
        if self.fail_next_create == "timeout_after_accept":
            self.fail_next_create = None
            return web.Response(status=504, text="")  # accepted, but the answer is lost
        return web.json_response(self._row(order))

    async def cancel(self, p: dict) -> web.Response:
        o = self.book.orders.get(str(p.get("order_id", "")))
        if o is None:
            return fail("OrderNotFound", f"Order {p.get('order_id')} not found")
        if o.status == "new":
            o.status, o.updated_ms = "canceled", now_ms()
        row = dict(_load("ccxt_order_cancel.json"), **self._row(o))
        return web.json_response(row)

    async def status(self, p: dict) -> web.Response:
        if "order_id" in p and "client_order_id" in p:
            return fail("ConflictingOptions", "order_id and client_order_id cannot be combined")
        if "client_order_id" in p:
            rows = [self._row(o) for o in reversed(self.book.orders.values())
                    if o.client_id == p["client_order_id"]]
            if not rows:
                return fail("OrderNotFound", f"Order {p['client_order_id']} not found")
            return web.json_response(rows)
        o = self.book.orders.get(str(p.get("order_id", "")))
        if o is None:
            return fail("OrderNotFound", f"Order {p.get('order_id')} not found")
        return web.json_response(self._row(o))

    async def live(self, _p: dict) -> web.Response:
        return web.json_response([self._row(o) for o in self.book.orders.values()
                                  if o.status == "new"])

    async def mytrades(self, p: dict) -> web.Response:
        if str(p.get("symbol", "")).lower() != SYMBOL:
            return self._bad_symbol(str(p.get("symbol")))
        since = int(p.get("timestamp", 0))
        since_ms = since if since > 10**12 else since * 1000
        limit = min(int(p.get("limit_trades", 50)), 500)
        template = _load("ccxt_mytrades.json")[0]
        rows = [dict(template, price=str(t.price), amount=str(t.qty), timestamp=t.ts_ms // 1000,
                     timestampms=t.ts_ms, type=t.order.side.capitalize(), aggressor=not t.maker,
                     fee_currency="GUSD", fee_amount=str(t.fee), tid=int(t.trade_id),
                     order_id=t.order.venue_id, symbol="BTCGUSDPERP",
                     client_order_id=t.order.client_id)
                for t in reversed(self.book.trades) if t.ts_ms >= since_ms]
        return web.json_response(rows[:limit])  # newest first

    async def balances(self, _p: dict) -> web.Response:
        wallet = str(self.book.wallet)
        row = dict(_load("docs_balances.json")[0], currency="GUSD", amount=wallet,
                   available=wallet, availableForWithdrawal=wallet)
        return web.json_response([row])

    async def positions(self, _p: dict) -> web.Response:
        template = _load("docs_positions.json")[0]
        mark = Decimal(str(self.tape.price()))
        return web.json_response([
            dict(template, symbol=sym, quantity=str(qty), average_cost=str(entry),
                 mark_price=str(mark), notional_value=str(qty * mark), realised_pnl="0",
                 unrealised_pnl=str(qty * (mark - entry)))
            for sym, (qty, entry) in self.book.positions.items() if qty != 0])


def _crosses(order: Resting, price: Decimal) -> bool:
    assert order.price is not None
    return order.price >= price if order.side == "buy" else order.price <= price
