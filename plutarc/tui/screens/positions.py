"""PositionsScreen: every bot's positions and open orders, re-read when they change; prices to
the tick, quantities to the lot, money in its currency; stops show their trigger."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Label

from plutarc.daemon.store import BotRecord, OrderRecord, PositionRecord
from plutarc.models.events import EventKind
from plutarc.tui import bot_workflow
from plutarc.tui.format import fmt_time
from plutarc.tui.screens.table_screen import TABLE_KEYS, FilterBox, TableScreen
from plutarc.tui.specs import SpecBook
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.table_view import Row
from plutarc.tui.widgets.tables import selected_key

OPEN_ORDERS_LIMIT = 500
POSITION_COLUMNS = ("Bot", "Symbol", "Qty", "Entry", "Liq.", "Realised", "Unrealised")
ORDER_COLUMNS = ("Time UTC", "Bot", "Symbol", "Side", "Type", "Qty", "Price", "Status")


def position_rows(positions: list[PositionRecord], names: dict[str, str],
                  specs: SpecBook) -> list[Row]:
    rows = []
    for p in positions:
        if p.qty == 0:
            continue
        spec = specs.get(p.bot_id, p.symbol)
        rows.append(Row(f"{p.bot_id}/{p.symbol}", (
            names.get(p.bot_id, p.bot_id), p.symbol, spec.qty(p.qty), spec.price(p.entry_price),
            spec.price(p.liquidation_price), spec.money(p.realised_pnl),
            spec.money(p.unrealised_pnl))))
    return rows


def order_rows(orders: list[OrderRecord], names: dict[str, str], specs: SpecBook) -> list[Row]:
    rows = []
    for o in orders:
        spec = specs.get(o.bot_id, o.symbol)
        cells = (fmt_time(o.journaled_ms), names.get(o.bot_id, o.bot_id), o.symbol,
                 o.side.value, o.type.value, spec.qty(o.qty), spec.order_price(o),
                 o.status.value)
        # a stop sorts by its trigger ('stop 41000' is not a number)
        trigger = o.price if o.price is not None else o.stop_price
        rows.append(Row(o.client_id, cells, (*cells[:6], trigger if trigger is not None
                                             else "", cells[7])))
    return rows


class PositionsScreen(TableScreen):
    RELOAD_ON = frozenset({EventKind.POSITION, EventKind.ORDER, EventKind.FILL,
                           EventKind.BOT_STATE})
    LOADING_ON = "#all-positions, #open-orders"
    BINDINGS: ClassVar[list[BindingType]] = [
        *TABLE_KEYS, Binding("d", "cancel_order", "Cancel order"),
        Binding("enter", "open_bot", "Open bot", show=False)]

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        yield Label("Positions", classes="section")
        yield FilterBox("all-positions")
        yield DataTable(id="all-positions", cursor_type="row")
        yield Label("Open orders", classes="section")
        yield FilterBox("open-orders")
        yield DataTable(id="open-orders", cursor_type="row")
        yield Footer(compact=True, show_command_palette=False)

    def action_cancel_order(self) -> None:
        """Cancel the open order under the cursor (through its bot's worker)."""
        key = selected_key(self.query_one("#open-orders", DataTable))
        order = self.open_orders.get(key) if key is not None else None
        bot = self.bots.get(order.bot_id) if order is not None else None
        if order is None or bot is None:
            self.notify("no open order selected: move to the open orders table first",
                        severity="warning", timeout=4)
            return
        self.plutarc.run_worker(bot_workflow.cancel_order(self.plutarc, bot.name, bot.mode,
                                                          order), group="actions")

    def __init__(self) -> None:
        super().__init__()
        self.bots: dict[str, BotRecord] = {}
        self.open_orders: dict[str, OrderRecord] = {}

    def on_mount(self) -> None:
        self.sub_title = "Positions and orders"
        self.positions = self.view_of("all-positions", POSITION_COLUMNS)
        self.orders = self.view_of("open-orders", ORDER_COLUMNS)

    async def load(self) -> None:
        bots, positions, orders = await asyncio.gather(
            self.client.list_bots(), self.client.positions(),
            self.client.orders(open_only=True, limit=OPEN_ORDERS_LIMIT))
        specs = self.plutarc.specs
        await specs.ensure(self.client, {(p.bot_id, p.symbol) for p in positions}
                           | {(o.bot_id, o.symbol) for o in orders})
        names = {bot.id: bot.name for bot in bots}
        self.bots = {bot.id: bot for bot in bots}
        self.open_orders = {o.client_id: o for o in orders}
        self.positions.set_rows(position_rows(positions, names, specs))
        self.orders.set_rows(order_rows(orders, names, specs))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_bot()

    def action_open_bot(self) -> None:
        """Open the bot of the position or order under the cursor."""
        view = self.current_view()
        key = selected_key(view.table) if view is not None else None
        if key is None:
            return
        order = self.open_orders.get(key)
        bot = self.bots.get(order.bot_id if order is not None else key.split("/", 1)[0])
        if bot is not None:
            self.plutarc.open_bot(bot.name)
