"""BotDetailScreen: one bot's last decision, position, open orders, recent trades, its candles
with entries, exits and stop, and its equity."""

from __future__ import annotations

import asyncio
import functools
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Label, Static

from plutarc.daemon.store import (
    BotRecord,
    DecisionRecord,
    EventRecord,
    OrderRecord,
    PositionRecord,
    TradeRecord,
)
from plutarc.errors import PlutarcError
from plutarc.models.events import EventKind
from plutarc.tui import bot_workflow
from plutarc.tui.format import fmt_age, fmt_score, fmt_time
from plutarc.tui.screens.base import BOT_CONTROLS, LiveScreen
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.candle_chart import CandleChart, candle_view
from plutarc.tui.widgets.equity_chart import EquityChart
from plutarc.tui.widgets.tables import refill, selected_key

TABLES = {
    "components": ("Component", "Output"),
    "positions": ("Symbol", "Qty", "Entry", "Liq.", "Realised", "Unrealised"),
    "orders": ("Time UTC", "Symbol", "Side", "Type", "Qty", "Price", "Filled", "Status"),
    "trades": ("Exit UTC", "Symbol", "Dir", "Qty", "Entry", "Exit px", "Net PnL", "Reason"),
}
CANDLES_SHOWN = 60  # about one text column each in 80 columns
_Ledger = tuple[list[PositionRecord], list[OrderRecord], list[TradeRecord]]


def bot_summary(bot: BotRecord) -> Text:
    text = Text.assemble((bot.name, "bold"), "  ", (bot.state.value, "bold"))
    if bot.state_reason:
        text.append(f" ({bot.state_reason})")
    text.append(f"\n{bot.venue}/{bot.mode}  {' '.join(bot.symbols)}  template {bot.template}"
                f"  config v{bot.config_version}  heartbeat {fmt_age(bot.last_heartbeat_ms)}")
    return text


def decision_summary(decision: DecisionRecord | None) -> str:
    if decision is None:
        return "No decision yet."
    line = (f"{fmt_time(decision.ts_ms)} UTC {decision.symbol}: {decision.action}, "
            f"score {fmt_score(decision.score)}")
    if decision.skip_reasons:
        line += "\nskipped: " + "; ".join(decision.skip_reasons)
    return line


class BotDetailScreen(LiveScreen):
    RELOAD_ON = frozenset({EventKind.BOT_STATE, EventKind.DECISION, EventKind.ORDER,
                           EventKind.FILL, EventKind.POSITION, EventKind.TRADE})
    LOADING_ON = "#detail"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        *BOT_CONTROLS,
        Binding("c", "next_symbol", "Chart symbol", show=False),
        Binding("full_stop", "exact", "Exact digits", key_display=".", show=False),
        Binding("d", "cancel_order", "Cancel order", show=False),
        Binding("q", "app.quit", "Quit", show=False),  # no room in 80 columns; see help
    ]

    def __init__(self, bot_ref: str) -> None:
        super().__init__()
        self.bot_ref = bot_ref
        self.bot: BotRecord | None = None
        self.chart_symbol: str | None = None
        self.exact = False  # '.': every digit the ledger holds instead of tick, lot and cents
        self._ledger: _Ledger | None = None
        self.open_orders: dict[str, OrderRecord] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        with VerticalScroll(id="detail"):
            yield Static("loading ...", id="bot-info")
            yield Label("Last decision", classes="section")
            yield Static("", id="decision")
            for name, columns in TABLES.items():
                if name != "components":
                    yield Label(name.replace("orders", "open orders").capitalize(),
                                classes="section")
                table: DataTable[object] = DataTable(id=name, cursor_type="row")
                table.add_columns(*columns)
                yield table
            yield CandleChart(id="candles")
            yield EquityChart(id="chart")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = self.bot_ref

    def event_arrived(self, record: EventRecord) -> None:
        if self.bot is None or record.bot_id == self.bot.id:
            super().event_arrived(record)

    async def load(self) -> None:
        c, ref = self.client, self.bot_ref
        bot, decisions, positions, orders, trades, equity = await asyncio.gather(
            c.get_bot(ref), c.decisions(bot=ref, limit=1), c.positions(bot=ref),
            c.orders(bot=ref, open_only=True), c.trades(bot=ref, limit=20),
            c.equity(bot=ref, limit=2000))
        self.bot = bot
        await self.plutarc.specs.ensure(c, {(bot.id, s) for s in bot.symbols}
                                        | {(bot.id, p.symbol) for p in positions})
        self.open_orders = {o.client_id: o for o in orders}
        decision = decisions[-1] if decisions else None
        self.query_one("#bot-info", Static).update(bot_summary(bot))
        self.query_one("#decision", Static).update(decision_summary(decision))
        refill(self.query_one("#components", DataTable), [
            (name, (name, fmt_score(value)))
            for name, value in (decision.components.items() if decision else ())])
        self._fill_ledger(positions, orders, trades)
        self.query_one(EquityChart).show(equity)
        if self.chart_symbol not in bot.symbols:
            self.chart_symbol = bot.symbols[0]
        await self._chart(self.chart_symbol, trades, positions, orders)

    def _fill_ledger(self, positions: list[PositionRecord], orders: list[OrderRecord],
                     trades: list[TradeRecord]) -> None:
        if self.bot is None:
            return
        self._ledger = (positions, orders, trades)
        x, spec = self.exact, functools.partial(self.plutarc.specs.get, self.bot.id)
        refill(self.query_one("#positions", DataTable), [
            (p.symbol, (p.symbol, spec(p.symbol).qty(p.qty, x), spec(p.symbol).price(
                p.entry_price, x), spec(p.symbol).price(p.liquidation_price, x),
                spec(p.symbol).money(p.realised_pnl, x),
                spec(p.symbol).money(p.unrealised_pnl, x))) for p in positions])
        refill(self.query_one("#orders", DataTable), [
            (o.client_id, (fmt_time(o.journaled_ms), o.symbol, o.side.value, o.type.value,
                           spec(o.symbol).qty(o.qty, x), spec(o.symbol).order_price(o, x),
                           spec(o.symbol).qty(o.filled_qty, x), o.status.value))
            for o in orders])
        refill(self.query_one("#trades", DataTable), [
            (str(t.id), (fmt_time(t.exit_ts_ms), t.symbol, t.direction.value,
                         spec(t.symbol).qty(t.qty, x), spec(t.symbol).price(t.entry_price, x),
                         spec(t.symbol).price(t.exit_price, x),
                         spec(t.symbol).money(t.net_pnl, x), t.exit_reason))
            for t in reversed(trades)])

    def action_exact(self) -> None:
        """Toggle every digit the ledger holds / prices to the tick, quantities to the lot,
        money to its currency's cents."""
        self.exact = not self.exact
        if self._ledger is not None:
            self._fill_ledger(*self._ledger)
        self.notify("exact digits" if self.exact else "to tick, lot and cents", timeout=2)

    async def _chart(self, symbol: str, trades: list[TradeRecord],
                     positions: list[PositionRecord], orders: list[OrderRecord]) -> None:
        chart = self.query_one(CandleChart)
        try:
            candles = await self.client.candles(self.bot_ref, symbol, CANDLES_SHOWN)
        except PlutarcError as exc:  # a stopped bot serves none; the rest is still shown
            chart.show(candle_view(symbol, []), empty=f"{symbol}: {exc}")
            return
        chart.show(candle_view(symbol, candles, trades, positions, orders))

    def action_next_symbol(self) -> None:
        if self.bot is None or len(self.bot.symbols) < 2:
            return
        symbols = list(self.bot.symbols)
        current = symbols.index(self.chart_symbol) if self.chart_symbol in symbols else -1
        self.chart_symbol = symbols[(current + 1) % len(symbols)]
        self.reload()

    def action_act(self, action: str) -> None:
        self.plutarc.bot_action(self.bot.name if self.bot else self.bot_ref, action)

    def action_mode(self) -> None:
        self.plutarc.change_mode(self.bot.name if self.bot else self.bot_ref)

    def action_limits(self) -> None:
        name = self.bot.name if self.bot else self.bot_ref
        self.plutarc.run_worker(bot_workflow.edit_risk(self.plutarc, name), group="actions")

    def action_symbols(self) -> None:
        name = self.bot.name if self.bot else self.bot_ref
        self.plutarc.run_worker(bot_workflow.edit_symbols(self.plutarc, name), group="actions")

    def action_cancel_order(self) -> None:
        """Cancel the open order under the cursor of the open orders table."""
        key = selected_key(self.query_one("#orders", DataTable))
        order = self.open_orders.get(key) if key is not None else None
        if order is None or self.bot is None:
            self.notify("no open order selected: move to the open orders table first",
                        severity="warning", timeout=4)
            return
        self.plutarc.run_worker(bot_workflow.cancel_order(self.plutarc, self.bot.name,
                                                          self.bot.mode, order),
                                group="actions")
