"""TradesScreen: the desk's closed trades across bots, newest first, filterable and sortable;
prices to the tick, quantities to the lot, PnL in its currency."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from plutarc.daemon.store import TradeRecord
from plutarc.models.events import EventKind
from plutarc.tui.format import fmt_time
from plutarc.tui.screens.table_screen import TABLE_KEYS, FilterBox, TableScreen
from plutarc.tui.specs import SpecBook
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.table_view import Row
from plutarc.tui.widgets.tables import selected_key

COLUMNS = ("Exit UTC", "Bot", "Symbol", "Dir", "Qty", "Entry", "Exit px", "Net PnL", "Reason")
MAX_ROWS = 1000


def trade_rows(trades: list[TradeRecord], names: dict[str, str], specs: SpecBook) -> list[Row]:
    rows = []
    for t in sorted(trades, key=lambda t: (t.exit_ts_ms, t.id), reverse=True):
        spec = specs.get(t.bot_id, t.symbol)
        cells = (fmt_time(t.exit_ts_ms), names.get(t.bot_id, t.bot_id), t.symbol,
                 t.direction.value, spec.qty(t.qty), spec.price(t.entry_price),
                 spec.price(t.exit_price), spec.money(t.net_pnl), t.exit_reason)
        rows.append(Row(str(t.id), cells, (t.exit_ts_ms, *cells[1:7], t.net_pnl, cells[8])))
    return rows


class TradesScreen(TableScreen):
    RELOAD_ON = frozenset({EventKind.TRADE})
    AUTO_FOCUS = "#trades-all"
    LOADING_ON = "#trades-all"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_bot", "Open bot"),
        *TABLE_KEYS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bot_of: dict[str, str] = {}  # trade id -> bot name

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        yield FilterBox("trades-all")
        yield DataTable(id="trades-all", cursor_type="row", zebra_stripes=True)
        yield Static("", id="trades-summary")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Trades"
        self.view = self.view_of("trades-all", COLUMNS)

    async def load(self) -> None:
        bots, trades = await asyncio.gather(self.client.list_bots(),
                                            self.client.trades(limit=MAX_ROWS))
        specs = self.plutarc.specs
        await specs.ensure(self.client, {(t.bot_id, t.symbol) for t in trades})
        names = {bot.id: bot.name for bot in bots}
        self.bot_of = {str(t.id): names.get(t.bot_id, t.bot_id) for t in trades}
        self.view.set_rows(trade_rows(trades, names, specs))
        self.filtered()

    def filtered(self) -> None:
        count = len(self.view.rows)
        shown = f"The last {count} closed trades" if count else "No closed trades yet."
        status = f"; {self.view.status}" if self.view.status else ""
        self.query_one("#trades-summary", Static).update(
            f"{shown}{status} (every one: plutarc trades --json)" if count else shown)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_bot()

    def action_open_bot(self) -> None:
        key = selected_key(self.query_one("#trades-all", DataTable))
        if key is not None and key in self.bot_of:
            self.plutarc.open_bot(self.bot_of[key])
