"""Instruments kept fresh while the BitMEX adapter runs, and our working orders on their grid.

BitMEX changes contract terms under running orders (XBTUSD's tick was 0.5 and is 0.1; lots,
fees and risk limits move too). Every ``instrument_refresh_s`` the book reloads
/instrument/active; when an instrument's tick or lot changed, each open order we placed
(named by clOrdID) whose price, stop, trail offset or quantity is off the new grid is
amended onto it, rounded as a new order would be (limit prices away from the market,
quantities down). A failed refresh or amend is logged and tried again next time; it never
stops the adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from decimal import Decimal
from typing import Any, Protocol

from plutarc.errors import PlutarcError
from plutarc.exchanges.bitmex.instruments import InstrumentBook
from plutarc.models import Instrument, Order, OrderType

log = logging.getLogger("plutarc.exchanges.bitmex.instrument_refresh")

_STOPS = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


class _Orders(Protocol):
    """What the refresher uses: the adapter's orders part (or the adapter itself)."""

    book: InstrumentBook
    can_trade: bool  # credentials given: there may be orders of ours to re-round

    async def open_orders(self, symbol: str | None = None) -> list[Order]: ...

    async def amend_order(self, client_id: str, **changes: Any) -> Order: ...


def off_grid(order: Order, inst: Instrument) -> dict[str, Decimal]:
    """The amend_order arguments that put ``order`` back on ``inst``'s tick and lot grid
    (empty when it is on it). amend_body does the rounding; these name what to resend."""
    req, tick = order.request, inst.tick_size
    changes: dict[str, Decimal] = {}
    if req.price is not None and req.price % tick:
        changes["price"] = req.price
    if req.type in _STOPS and req.stop_price is not None and req.stop_price % tick:
        changes["stop_price"] = req.stop_price
    if req.type is OrderType.TRAILING_STOP and req.trail_offset and req.trail_offset % tick:
        changes["trail_offset"] = req.trail_offset
    if req.qty % inst.lot_size:
        changes["qty"] = req.qty
    return changes


class InstrumentRefresher:
    """The periodic reload of one adapter's instruments (a task between start and close)."""

    def __init__(self, orders: _Orders, interval_s: float) -> None:
        self._orders = orders
        self.interval_s = interval_s
        self.refreshes = 0
        self.last_error: PlutarcError | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self.interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._forever(), name="bitmex-instruments")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.run_once()
                self.last_error = None
            except PlutarcError as exc:
                self.last_error = exc
                log.warning("BitMEX instruments not refreshed: %s", exc)

    async def run_once(self) -> list[Order]:
        """Reload the instruments; re-round our working orders where tick or lot changed.
        Returns the orders amended."""
        book = self._orders.book
        await book.load(refresh=True)
        self.refreshes += 1
        regridded = [new for old, new in book.changed
                     if (old.tick_size, old.lot_size) != (new.tick_size, new.lot_size)]
        if not regridded or not self._orders.can_trade:  # no orders to re-round
            return []
        amended: list[Order] = []
        for inst in regridded:
            for order in await self._orders.open_orders(inst.symbol):
                changes = off_grid(order, inst)
                if not changes:
                    continue
                if not order.client_id:
                    log.warning("BitMEX %s order %s is off the new grid but has no clOrdID; "
                                "left as it is", inst.venue_symbol, order.venue_id)
                    continue
                try:
                    amended.append(await self._orders.amend_order(order.client_id, **changes))
                except PlutarcError as exc:
                    log.warning("BitMEX %s order %s not re-rounded onto the new grid: %s",
                                inst.venue_symbol, order.client_id, exc)
        return amended
