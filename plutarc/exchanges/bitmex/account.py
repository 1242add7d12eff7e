"""Account operations of the BitMEX adapter: positions, balances, fills, leverage, margin mode.

Money arrives in integer minor units per currency (XBt, USDt) and is converted with Decimal,
one Balance per currency, never summed across coins.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plutarc.errors import UsageError
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.core import BitmexRest
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.instruments import InstrumentBook
from plutarc.exchanges.bitmex.parse import position_from_wire
from plutarc.exchanges.bitmex.schemas import WirePosition
from plutarc.exchanges.bitmex.timestamps import ms_to_iso
from plutarc.models import Balance, Fill, Position


class BitmexAccount:
    """Positions, balances and executions as BitMEX's ledger of record reports them."""

    def __init__(self, rest: BitmexRest, feed: Feed, book: InstrumentBook,
                 config: BitmexConfig) -> None:
        self.rest = rest
        self.feed = feed
        self.book = book
        self.config = config

    async def positions(self) -> list[Position]:
        await self.book.load()
        out = []
        for row in await self.rest.get("/position", {"count": self.config.page_size}, True):
            wire = WirePosition.of(row)
            inst = self.feed.instruments.get(wire.symbol)
            if inst is None:
                continue
            position = position_from_wire(wire, inst.symbol, self.config.currencies)
            self.feed.positions.set_from_venue(position)
            if not position.is_flat:
                out.append(position)
        return out

    async def balances(self) -> list[Balance]:
        rows = await self.rest.get("/user/margin", {"currency": "all"}, signed=True)
        rows = rows if isinstance(rows, list) else [rows]
        return [b for b in (self.feed.balance_from_row(r) for r in rows) if b is not None]

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        await self.book.load()
        params: dict[str, Any] = {
            "startTime": ms_to_iso(since_ms),
            "filter": {"execType": list(self.config.fill_exec_types)},
            "reverse": False,
        }
        if symbol:
            params["symbol"] = (await self.rest.instrument(self.book, symbol)).venue_symbol
        fills = []
        for row in await self.rest.pages("/execution/tradeHistory", params, signed=True):
            fill = self.feed.fill_from_row(row)
            if fill is not None and fill.ts_ms >= since_ms:
                fills.append(fill)
        return fills

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        """Isolated leverage 0.01-100; 0 switches the position to cross margin."""
        if leverage < 0 or leverage > 100:
            raise UsageError(f"BitMEX leverage must be 0 (cross) to 100, got {leverage}")
        inst = await self.rest.instrument(self.book, symbol)
        await self.rest.private("POST", "/position/leverage", idempotent=True,
                            body={"symbol": inst.venue_symbol, "leverage": float(leverage)})

    async def set_margin_mode(self, symbol: str, *, cross: bool) -> None:
        inst = await self.rest.instrument(self.book, symbol)
        await self.rest.private("POST", "/position/isolate", idempotent=True,
                            body={"symbol": inst.venue_symbol, "enabled": not cross})
