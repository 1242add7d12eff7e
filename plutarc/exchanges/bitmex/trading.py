"""The BitMEX adapter's orders part: place, close, amend, cancel, look up.

Placement is never retried. After a timeout (or a dropped link) the order is looked up by
clOrdID, first in what the private stream has shown, then over REST; OrderStatusUnknown is
raised only when those lookups cannot find it either. A "Duplicate clOrdID" answer means an
earlier attempt arrived: the existing order is returned if it is the same order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from plutarc.errors import OrderRejected, OrderStatusUnknown, VenueError
from plutarc.exchanges.bitmex.account import BitmexAccount
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.core import BitmexRest
from plutarc.exchanges.bitmex.errors import DuplicateClientOrderId, RequestOutcomeUnknown
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.instruments import InstrumentBook
from plutarc.exchanges.bitmex.latency import LatencyStats
from plutarc.exchanges.bitmex.orders import (
    amend_body,
    close_body,
    order_body,
    same_order_mismatch,
)
from plutarc.exchanges.bitmex.ratelimit import Lane
from plutarc.models import Order, OrderRequest, OrderType, Side

log = logging.getLogger("plutarc.exchanges.bitmex")

PROTECTIVE_TYPES = frozenset({OrderType.STOP_MARKET, OrderType.STOP_LIMIT,
                              OrderType.TRAILING_STOP})


def order_lane(request: OrderRequest) -> Lane:
    """Stops and reduce-only orders protect a position: they never wait behind entries."""
    if request.reduce_only or request.type in PROTECTIVE_TYPES:
        return Lane.PRIORITY
    return Lane.NORMAL


class BitmexOrders:
    """Orders: every one carries our clOrdID, rounded to tick and lot at this boundary.
    ``account`` answers close_position's question (is there a position to close?)."""

    def __init__(self, rest: BitmexRest, feed: Feed, book: InstrumentBook,
                 config: BitmexConfig, account: BitmexAccount, order_rtt: LatencyStats,
                 *, can_trade: bool) -> None:
        self.rest = rest
        self.feed = feed
        self.book = book
        self.config = config
        self.account = account
        self.order_rtt = order_rtt  # REST placement round trips, answered ones only
        self.can_trade = can_trade  # credentials given: there are orders of ours

    def _order(self, row: dict) -> Order:
        order = self.feed.order_from_row(row)
        if order is None:
            raise VenueError(f"BitMEX answered with an order on an unknown symbol: {row!r:.200}")
        return order

    async def place_order(self, request: OrderRequest) -> Order:
        inst = await self.rest.instrument(self.book, request.symbol)
        body = order_body(request, inst, self.config.stop_trigger)
        # the first request sent under an id stays the one we remember (ids are never reused)
        self.feed.requests.setdefault(request.client_id, request)
        started = time.perf_counter()
        try:
            row = await self.rest.private("POST", "/order", body=body,
                                      timeout_s=self.config.order_timeout_s,
                                      lane=order_lane(request))
        except RequestOutcomeUnknown as exc:
            log.warning("order %s: %s; looking it up by clOrdID (never resending)",
                        request.client_id, exc)
            return await self._find_after_doubt(request.client_id)
        except DuplicateClientOrderId:
            return await self._existing_duplicate(request, body)
        self.order_rtt.record((time.perf_counter() - started) * 1000)
        return self._order(row)

    async def _find_after_doubt(self, client_id: str) -> Order:
        last_error: VenueError | None = None
        for attempt in range(self.config.lookup_attempts):
            if attempt:
                await asyncio.sleep(self.config.lookup_interval_s)
            seen = self.feed.orders.get(client_id)
            if seen is not None:
                return seen
            try:
                found = await self.order_by_client_id(client_id)
            except VenueError as exc:
                last_error = exc
                continue
            if found is not None:
                return found
        why = f"lookup failed: {last_error}" if last_error else "not found by clOrdID"
        raise OrderStatusUnknown(
            f"order {client_id}: placement got no answer and it was {why} after "
            f"{self.config.lookup_attempts} lookups; it was NOT resent",
            client_id,
        )

    async def _existing_duplicate(self, request: OrderRequest, body: dict[str, Any]) -> Order:
        """BitMEX holds an order under our clOrdID: an earlier attempt arrived. It is ours only
        if it is the same order (symbol, side, qty, price, stopPx); not found at all (the
        answer raced the venue's own books), the order is in doubt, never "rejected"."""
        try:
            found = await self._find_after_doubt(request.client_id)
        except OrderStatusUnknown as exc:
            raise OrderStatusUnknown(
                f"order {request.client_id}: BitMEX says Duplicate clOrdID but no order is "
                f"found under it ({exc}); in doubt, NOT resent", request.client_id) from None
        differs = same_order_mismatch(found, request, body)
        if differs:
            raise OrderRejected(
                f"order {request.client_id}: BitMEX already holds a different order with this "
                f"clOrdID ({differs}); ours was not placed"
            )
        return found

    async def close_position(self, client_id: str, symbol: str,
                             price: Decimal | None = None) -> Order | None:
        """Close the whole position with execInst=Close (market unless priced); None if flat."""
        inst = await self.rest.instrument(self.book, symbol)
        current = next((p for p in await self.account.positions() if p.symbol == inst.symbol), None)
        if current is None or current.is_flat:
            return None
        side = Side.SELL if current.qty > 0 else Side.BUY
        body = close_body(client_id, inst, side, price)
        try:
            row = await self.rest.private("POST", "/order", body=body,
                                      timeout_s=self.config.order_timeout_s,
                                      lane=Lane.PRIORITY)
        except RequestOutcomeUnknown:
            return await self._find_after_doubt(client_id)
        return self._order(row)

    async def amend_order(self, client_id: str, *, qty: Decimal | None = None,
                          price: Decimal | None = None, stop_price: Decimal | None = None,
                          trail_offset: Decimal | None = None) -> Order:
        """PUT /order; a trailing stop is amended by ``trail_offset`` (pegOffsetValue)."""
        known = self.feed.requests.get(client_id)
        if known is None:
            found = await self.order_by_client_id(client_id)
            if found is None:
                raise OrderRejected(f"amend of {client_id}: no such order at BitMEX")
            known = found.request
        inst = await self.rest.instrument(self.book, known.symbol)
        body = amend_body(client_id, inst, known.side, qty=qty, price=price,
                          stop_price=stop_price, trail_offset=trail_offset, kind=known.type)
        moving_stop = stop_price is not None or trail_offset is not None
        lane = Lane.PRIORITY if moving_stop else Lane.NORMAL  # a stop trailing
        return self._order(await self.rest.private("PUT", "/order", body=body, lane=lane))

    async def cancel_order(self, client_id: str) -> Order:
        rows = await self.rest.private("DELETE", "/order", body={"clOrdID": client_id},
                                   idempotent=True, lane=Lane.PRIORITY)
        orders = self.cancel_answer(rows, "cancel of " + client_id)
        row_error = next((r.get("error") for r in rows or [] if r.get("clOrdID") == client_id
                          and r.get("error")), None)
        if row_error:
            log.info("cancel of %s: %s", client_id, row_error)
        ours = next((o for o in orders if o.client_id == client_id), None)
        if ours is None:
            raise OrderRejected(f"cancel of {client_id}: no such order at BitMEX")
        return ours

    async def cancel_all(self, symbol: str | None = None) -> list[Order]:
        body = None
        if symbol:
            body = {"symbol": (await self.rest.instrument(self.book, symbol)).venue_symbol}
        rows = await self.rest.private("DELETE", "/order/all", body=body, idempotent=True,
                                   lane=Lane.PRIORITY)
        return self.cancel_answer(rows, "cancel-all")

    def cancel_answer(self, rows: Any, what: str) -> list[Order]:
        """The orders a cancel answer names. BitMEX has already acted when it answers, so a
        row we cannot read (a stub ``{"orderID", "ordStatus": "Rejected", "ordRejReason":
        "Invalid orderID"}`` without symbol/side/clOrdID, or another symbol's order) is logged
        and skipped, never raised."""
        orders = []
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, dict):
                continue
            if not row.get("symbol") or not row.get("side"):
                log.info("%s: BitMEX answered for order %s: %s %s (ignored)", what,
                         row.get("orderID"), row.get("ordStatus"),
                         row.get("ordRejReason") or row.get("error") or "")
                continue
            order = self.feed.guarded_order(row)
            if order is not None:
                orders.append(order)
        return orders

    def claim_orders(self, client_ids: Iterable[str]) -> None:
        """Orders an earlier life sent: a row of theirs we cannot read is an ALERT, not
        someone else's row to skip."""
        self.feed.triage.claim(client_ids)

    async def order_by_client_id(self, client_id: str) -> Order | None:
        await self.book.load()
        rows = await self.rest.get(
            "/order", {"filter": {"clOrdID": client_id}, "reverse": True, "count": 1},
            signed=True,
        )
        return self._order(rows[0]) if rows else None

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        await self.book.load()
        params: dict[str, Any] = {"filter": {"open": True}}
        if symbol:
            params["symbol"] = (await self.rest.instrument(self.book, symbol)).venue_symbol
        rows = await self.rest.pages("/order", params, signed=True)
        return [o for o in (self.feed.guarded_order(r) for r in rows) if o is not None]
