"""The order path of a ccxt venue: place, amend, cancel, look up by client id, fills.

Every order carries our client id (ccxt's unified ``clientOrderId`` param, or the one the
profile names, e.g. Deribit's ``label``). The book keeps client id -> (symbol, venue id,
request) for what this process sent or saw; after a restart the symbols the bot uses (seen
through ``market``) are searched. Amending follows the profile: in place, or
cancel-then-place under the same client id.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from plutarc.errors import OrderRejected, VenueError
from plutarc.exchanges.ccxt import parse
from plutarc.exchanges.ccxt.errors import is_order_not_found, map_placement_error
from plutarc.exchanges.ccxt.profile import AmendStyle, MarketOrderStyle
from plutarc.models import Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from plutarc.models.enums import TimeInForce

if TYPE_CHECKING:
    from plutarc.exchanges.ccxt.adapter import CcxtVenue


@dataclass
class OrderBook:
    """What we know links a client id to a venue order (kept for the process's life)."""

    requests: dict[str, OrderRequest] = field(default_factory=dict)
    venue_ids: dict[str, str] = field(default_factory=dict)  # client id -> venue id
    client_ids: dict[str, str] = field(default_factory=dict)  # venue id -> client id
    seen_symbols: set[str] = field(default_factory=set)
    numeric: dict[str, str] = field(default_factory=dict)  # a number or hash on the wire -> ours

    def link(self, order: Order) -> None:
        self.requests[order.client_id] = order.request
        self.venue_ids[order.client_id] = order.venue_id
        self.client_ids[order.venue_id] = order.client_id


class OrderPath:
    def __init__(self, venue: CcxtVenue) -> None:
        self.v = venue
        self.book = venue.book

    def wire(self, client_id: str) -> str:
        """Our client id as the venue accepts it (escaped where only a-z0-9 may pass; a
        number derived from it where only numbers may: the same number after a restart)."""
        profile = self.v.profile
        if profile.numeric_client_ids:
            number = numeric_id(client_id)
            self.book.numeric[number] = client_id
            return number
        wired = escape_alnum(client_id) if profile.alnum_client_ids else client_id
        if len(wired) > profile.client_id_max_len:  # e.g. a bot's escaped id on OKX (32)
            wired = hashed_id(client_id, profile.client_id_max_len)
            self.book.numeric[wired] = client_id  # known again after a restart: claim_orders
        return wired

    def ours(self, raw: dict[str, Any]) -> dict[str, Any]:
        """A ccxt order with its client id turned back into ours."""
        trigger = self.v.profile.trigger_info_key
        if trigger and not raw.get("triggerPrice") and (raw.get("info") or {}).get(trigger):
            raw = {**raw, "triggerPrice": raw["info"][trigger]}  # ccxt dropped it (Gemini)
        cid = raw.get("clientOrderId")
        key = self.v.profile.client_id_info_key
        if not cid and key:  # ccxt leaves it in the venue's own row (Deribit's label)
            cid = (raw.get("info") or {}).get(key)
            raw = {**raw, "clientOrderId": cid}
        if cid and str(cid) in self.book.numeric:  # a number or hash this process wired
            return {**raw, "clientOrderId": self.book.numeric[str(cid)]}
        if cid and self.v.profile.alnum_client_ids:
            return {**raw, "clientOrderId": unescape_alnum(str(cid))}
        return raw

    def _ccxt_args(self, request: OrderRequest, price: Decimal | None) -> tuple[str, dict]:
        profile = self.v.profile
        params: dict[str, Any] = {**profile.order_params,
                                  profile.client_id_param: self.wire(request.client_id)}
        if request.reduce_only and self.v.capabilities.reduce_only:  # else not sent: the
            params["reduceOnly"] = True  # venue has no such flag (declared in its capabilities)
        if request.post_only:
            params["postOnly"] = True
        if request.time_in_force is not TimeInForce.GTC:
            params["timeInForce"] = request.time_in_force.value.upper()
        if request.type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT):
            params[profile.stop_param] = float(request.stop_price)  # type: ignore[arg-type]
            if profile.trigger_client_id_param:
                params[profile.trigger_client_id_param] = self.wire(request.client_id)
            if profile.stop_direction_param:  # a stop triggers as price moves through it
                params[profile.stop_direction_param] = (
                    "ascending" if request.side is Side.BUY else "descending")
        if request.type is OrderType.TRAILING_STOP:
            raise OrderRejected(f"{self.v.name}: trailing stops are software-managed here; "
                                "send a stop and move it")
        kind = "limit" if request.type in (OrderType.LIMIT, OrderType.STOP_LIMIT) or (
            price is not None) else "market"
        return kind, params

    async def _reference_price(self, unified: str, side: Side) -> Decimal:
        ticker = await self.v.call("fetch_ticker", unified)
        last = ticker.get("ask" if side is Side.BUY else "bid") or ticker.get("last")
        return parse.dec(last, "ticker price")

    async def place(self, request: OrderRequest) -> Order:
        market = await self.v.market(request.symbol)
        inst = self.v.spec(market)
        qty = inst.round_qty(request.qty)
        if qty <= 0:
            raise OrderRejected(f"{request.client_id}: {request.qty} rounds to no contracts")
        price = None if request.price is None else inst.round_price(request.price)
        slip = Decimal(str(1 + request.side.sign * self.v.profile.ioc_slippage))
        through = "up" if request.side is Side.BUY else "down"
        if request.type is OrderType.MARKET and (
                self.v.profile.market_orders is MarketOrderStyle.IOC_LIMIT):
            ref = await self._reference_price(str(market["symbol"]), request.side)
            price = inst.round_price(ref * slip, through)
            request = OrderRequest(**{**_fields(request), "time_in_force": TimeInForce.IOC})
        if request.type is OrderType.STOP_MARKET and self.v.profile.stop_market_as_limit:
            # no stop-market at the venue: a stop-limit whose limit is as far through the
            # trigger as the IOC stand-in goes through the price (a gap beyond it rests)
            price = inst.round_price(request.stop_price * slip, through)  # type: ignore[operator]
        request = OrderRequest(**{**_fields(request), "qty": qty, "price": price})  # as sent
        kind, params = self._ccxt_args(request, price)
        self.book.requests[request.client_id] = request
        try:
            raw = await self.v.exchange.create_order(
                market["symbol"], kind, request.side.value, float(qty),
                None if price is None else float(price), params)
        except Exception as exc:
            raise map_placement_error(self.v.name, exc, request.client_id,
                                      ban_is_final=self.v.profile.ban_is_final) from None
        order = parse.order({**self.ours(raw), "status": raw.get("status") or "open"},
                            request.symbol, request)
        self.book.link(order)
        return order

    def _param_sets(self, request: OrderRequest | None) -> list[dict[str, Any]]:
        """Where to look for an order: stops may rest on the venue's own trigger endpoints."""
        trigger = dict(self.v.profile.trigger_params)
        if request is None:
            return [{}, trigger] if trigger else [{}]
        return [trigger] if trigger and _is_stop(request) else [{}]

    async def _fetch(self, client_id: str, symbol: str,
                     request: OrderRequest | None) -> dict[str, Any] | None:
        unified = await self.v.unified(symbol)
        for extra in self._param_sets(request):
            if self.v.profile.lookup_by_client_id:
                raw = await self.v.profile.hooks.order_by_client_id(
                    self.v, self.wire(client_id), unified, dict(extra))
                if raw is not None:
                    return self.ours(raw)
                continue
            for method in ("fetch_open_orders", "fetch_closed_orders", "fetch_canceled_orders"):
                if not self.v.exchange.has.get(_camel(method)):
                    continue
                for row in await self.v.call(method, unified, None, None, dict(extra)):
                    if self.ours(row).get("clientOrderId") == client_id:
                        return self.ours(row)
        return None

    async def lookup(self, client_id: str) -> Order | None:
        """The venue's answer to 'did my order reach you?' (None: it never arrived)."""
        known = self.book.requests.get(client_id)
        symbols = [known.symbol] if known else sorted(self.book.seen_symbols)
        for symbol in symbols:
            raw = await self._fetch(client_id, symbol, known)
            if raw is not None:
                order = parse.order(raw, symbol, known)
                self.book.link(order)
                return order
        return None

    async def cancel(self, client_id: str) -> Order:
        order = await self.lookup(client_id)
        if order is None:
            raise OrderRejected(f"{self.v.name}: no order {client_id} to cancel")
        if not order.status.is_open:
            return order
        try:
            unified = await self.v.unified(order.request.symbol)
            await self.v.call("cancel_order", order.venue_id, unified,
                              self._param_sets(order.request)[0])
        except Exception as exc:
            if not is_order_not_found(exc):
                raise
        after = await self.lookup(client_id)
        return after if after is not None else order.evolve(status=OrderStatus.CANCELED)

    async def cancel_all(self, symbol: str | None) -> list[Order]:
        return [await self.cancel(o.client_id) for o in await self.open(symbol)]

    async def amend(self, client_id: str, *, qty: Decimal | None, price: Decimal | None,
                    stop_price: Decimal | None) -> Order:
        order = await self.lookup(client_id)
        if order is None or not order.status.is_open:
            raise OrderRejected(f"{self.v.name}: order {client_id} is not open to amend")
        old = order.request
        new = OrderRequest(**{**_fields(old), "qty": qty if qty is not None else old.qty,
                              "price": price if price is not None else old.price,
                              "stop_price": stop_price if stop_price is not None
                              else old.stop_price})
        if self.v.profile.amend is AmendStyle.NATIVE:
            market = await self.v.market(old.symbol)
            inst = self.v.spec(market)
            profile = self.v.profile
            kind, _ = self._ccxt_args(new, new.price)
            params: dict[str, Any] = dict(self._param_sets(old)[0])
            if _is_stop(new):  # only what changes: the venue keeps the order's other flags
                stop = float(new.stop_price)  # type: ignore[arg-type]
                params[profile.trigger_amend_param or profile.stop_param] = stop
                kind = profile.trigger_amend_type or kind
            raw = await self.v.call(
                "edit_order", order.venue_id, market["symbol"], kind, old.side.value,
                float(inst.round_qty(new.qty)),
                None if new.price is None else float(inst.round_price(new.price)), params)
            raw = {**raw, "id": raw.get("id") or order.venue_id}  # some answers are a bare ack
            amended = parse.order({**raw, "status": raw.get("status") or "open"}, old.symbol,
                                  new)
            self.book.link(amended)
            return amended
        if self.v.profile.amend is AmendStyle.CANCEL_THEN_PLACE:
            if not self.v.profile.client_ids_reusable:  # refused before anything is touched
                raise OrderRejected(f"{self.v.name}: {client_id} cannot be replaced under the "
                                    "same client id (the venue keeps it for ever); the order "
                                    "stays as it is")
            await self.cancel(client_id)
            try:
                return await self.place(new)
            except VenueError as exc:  # say so: the old order is gone (reconcile re-protects)
                exc.args = (f"{exc} (amending {client_id}: the old order was cancelled "
                            "first and its replacement failed)",)
                raise
        raise OrderRejected(f"{self.v.name}: {client_id} cannot be amended: place-then-cancel "
                            "needs a second client id, which the journal does not track yet; "
                            "the order stays as it is")

    async def open(self, symbol: str | None) -> list[Order]:
        symbols = [symbol] if symbol else sorted(self.book.seen_symbols)
        out: list[Order] = []
        for sym in symbols:
            unified = await self.v.unified(sym)
            for extra in self.v.profile.open_order_queries:
                for wire in await self.v.call("fetch_open_orders", unified, None, None,
                                              dict(extra)):
                    raw = self.ours(wire)
                    cid = raw.get("clientOrderId") or self.book.client_ids.get(str(raw["id"]))
                    order = parse.order({**raw, "clientOrderId": cid}, sym,
                                        self.book.requests.get(str(cid)))
                    self.book.link(order)
                    out.append(order)
        return out

    async def fills_since(self, since_ms: int, symbol: str | None) -> list[Fill]:
        symbols = [symbol] if symbol else sorted(self.book.seen_symbols) or sorted(
            {p.symbol for p in await self.v.positions()})  # after a restart: what is held
        out: list[Fill] = []
        for sym in symbols:
            market = await self.v.market(sym)
            for raw in await self.v.call("fetch_my_trades", market["symbol"], since_ms):
                cid = await self._client_of(str(raw.get("order")), str(market["symbol"]))
                out.append(parse.fill(raw, sym, cid, str(market.get("settle") or "")))
        return sorted(out, key=lambda f: (f.ts_ms, f.fill_id))

    async def _client_of(self, venue_id: str, unified: str) -> str:
        """Our client id for a venue order id: trades of most venues do not carry it, and a
        restarted process has no map, so the order is asked for once and remembered."""
        known = self.book.client_ids.get(venue_id)
        if known is not None:
            return known
        for extra in self._param_sets(None):
            if self.v.profile.lookup_by_client_id:
                try:
                    raw = await self.v.call("fetch_order", venue_id, unified, dict(extra))
                except Exception as exc:
                    if is_order_not_found(exc):
                        continue
                    raise
                rows = [raw]
            else:
                rows = [r for m in ("fetch_open_orders", "fetch_closed_orders")
                        for r in await self.v.call(m, unified, None, None, dict(extra))]
            for row in rows:
                cid = self.ours(row).get("clientOrderId")
                if str(row.get("id")) == venue_id and cid:
                    self.book.client_ids[venue_id] = str(cid)
                    return str(cid)
        return ""

    async def stream_fills(self) -> AsyncIterator[Fill]:
        """Fills by polling ``fills_since`` (deduplicated by fill id, a bounded set)."""
        seen: dict[str, None] = {}
        since = int(await self.v.server_time_ms())
        while True:
            for f in await self.fills_since(since, None):
                if f.fill_id in seen:
                    continue
                seen[f.fill_id] = None
                if len(seen) > 10_000:
                    seen.pop(next(iter(seen)))
                since = max(since, f.ts_ms)
                yield f
            await asyncio.sleep(self.v.poll_s)


def _fields(request: OrderRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in request.__dataclass_fields__}


_ESCAPES = {"z": "zz", "-": "zh", "_": "zu", ".": "zd", ":": "zc", "/": "zs"}
_UNESCAPES = {v[1]: k for k, v in _ESCAPES.items()}


def escape_alnum(client_id: str) -> str:
    """A reversible letters-and-digits form of a client id ('-' -> 'zh', 'z' -> 'zz')."""
    out = []
    for ch in client_id:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
        else:
            raise OrderRejected(f"client id {client_id!r} has {ch!r}, which the venue refuses")
    return "".join(out)


def numeric_id(client_id: str) -> str:
    """A venue-safe number for a client id (WOO X): the first 62 bits of its SHA-256, so
    the same id maps to the same number in every process without a stored table."""
    return str(int.from_bytes(hashlib.sha256(client_id.encode()).digest()[:8], "big") >> 2)


def hashed_id(client_id: str, length: int) -> str:
    """A letters-and-digits stand-in of ``length`` characters for a client id too long for
    the venue: 'h' + SHA-256 hex, the same in every process (never 'z'-escaped)."""
    return "h" + hashlib.sha256(client_id.encode()).hexdigest()[:length - 1]


def unescape_alnum(wire: str) -> str:
    out, i = [], 0
    while i < len(wire):
        if wire[i] == "z" and i + 1 < len(wire) and wire[i + 1] in _UNESCAPES:
            out.append(_UNESCAPES[wire[i + 1]])
            i += 2
        else:
            out.append(wire[i])
            i += 1
    return "".join(out)


def _is_stop(request: OrderRequest) -> bool:
    return request.type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)
