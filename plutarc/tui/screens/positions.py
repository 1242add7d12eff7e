"""PositionsScreen: every bot's positions and open orders, re-read when they change."""

from __future__ import annotations

import asyncio

from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Label

from plutarc.models.events import EventKind
from plutarc.tui.format import fmt_dec, fmt_pnl, fmt_time
from plutarc.tui.screens.base import LiveScreen
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.tables import refill

OPEN_ORDERS_LIMIT = 500


class PositionsScreen(LiveScreen):
    RELOAD_ON = frozenset({EventKind.POSITION, EventKind.ORDER, EventKind.FILL,
                           EventKind.BOT_STATE})

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        yield Label("Positions", classes="section")
        positions: DataTable[object] = DataTable(id="all-positions", cursor_type="row")
        positions.add_columns("Bot", "Symbol", "Qty", "Entry", "Liq.", "Realised", "Unrealised")
        yield positions
        yield Label("Open orders", classes="section")
        orders: DataTable[object] = DataTable(id="open-orders", cursor_type="row")
        orders.add_columns("Time", "Bot", "Symbol", "Side", "Type", "Qty", "Price", "Status")
        yield orders
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Positions and orders"

    async def load(self) -> None:
        bots, positions, orders = await asyncio.gather(
            self.client.list_bots(), self.client.positions(),
            self.client.orders(open_only=True, limit=OPEN_ORDERS_LIMIT))
        names = {bot.id: bot.name for bot in bots}
        refill(self.query_one("#all-positions", DataTable), [
            (f"{p.bot_id}/{p.symbol}",
             (names.get(p.bot_id, p.bot_id), p.symbol, fmt_dec(p.qty), fmt_dec(p.entry_price),
              fmt_dec(p.liquidation_price), fmt_pnl(p.realised_pnl), fmt_pnl(p.unrealised_pnl)))
            for p in positions if p.qty != 0])
        refill(self.query_one("#open-orders", DataTable), [
            (o.client_id, (fmt_time(o.journaled_ms), names.get(o.bot_id, o.bot_id), o.symbol,
                           o.side.value, o.type.value, fmt_dec(o.qty), fmt_dec(o.price),
                           o.status.value)) for o in orders])
