"""FleetScreen: every bot with state, venue, symbols, mode, position, PnL and last heartbeat."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import Decimal
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from plutarc.daemon.store import BotRecord, PositionRecord
from plutarc.models.events import EventKind
from plutarc.tui import bot_workflow
from plutarc.tui.format import fmt_age, fmt_money
from plutarc.tui.screens.base import BOT_CONTROLS
from plutarc.tui.screens.table_screen import FilterBox, TableScreen, table_keys
from plutarc.tui.specs import SpecBook
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.table_view import Row
from plutarc.tui.widgets.tables import selected_key, state_text

COLUMNS = ("Bot", "State", "Venue", "Symbols", "Mode", "Position", "PnL", "Heartbeat")


def position_cell(positions: list[PositionRecord], specs: SpecBook) -> str:
    held = [p for p in positions if p.qty != 0]
    if not held:
        return "flat"
    return ", ".join(f"{p.symbol} {specs.get(p.bot_id, p.symbol).qty(p.qty)}" for p in held)


def pnl_by_currency(rows: list[Any]) -> dict[str, Decimal]:
    """Realised (closed trades) + unrealised, summed per currency (PnlRow from /v1/pnl)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row.currency] += row.realised + row.unrealised
    return dict(sorted(totals.items()))


def pnl_cell(totals: dict[str, Decimal]) -> str:
    return ", ".join(fmt_money(v, c) for c, v in totals.items()) or "0"


def fleet_rows(bots: list[BotRecord], positions: list[PositionRecord], pnl: list[Any] | None,
               specs: SpecBook, now_ms: int | None = None) -> list[Row]:
    """One row per bot; ``pnl`` None while the daemon has not said yet (the cell shows '…')."""
    by_bot: dict[str, list[PositionRecord]] = defaultdict(list)
    for position in positions:
        by_bot[position.bot_id].append(position)
    pnl_of: dict[str, list[Any]] = defaultdict(list)
    for row in pnl or ():
        pnl_of[row.bot_id].append(row)
    rows = []
    for bot in bots:
        totals = pnl_by_currency(pnl_of[bot.id])
        cells = (bot.name, state_text(bot.state.value), bot.venue, " ".join(bot.symbols),
                 bot.mode, position_cell(by_bot[bot.id], specs),
                 pnl_cell(totals) if pnl is not None else "…",
                 fmt_age(bot.last_heartbeat_ms, now_ms))
        # sort by money and by heartbeat time, not by their text ('9s ago' after '10s ago')
        sort = (*cells[:6], next(iter(totals.values()), Decimal(0)) if pnl is not None else "",
                -(bot.last_heartbeat_ms or 0) if bot.last_heartbeat_ms else "")
        rows.append(Row(bot.id, cells, sort))
    return rows


class FleetScreen(TableScreen):
    RELOAD_ON = frozenset({EventKind.BOT_STATE, EventKind.POSITION, EventKind.FILL,
                           EventKind.TRADE})
    LOADING_ON = "#fleet"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_bot", "Open"),
        Binding("n", "new_bot", "New bot", show=False),
        *BOT_CONTROLS,
        Binding("ctrl+k", "app.panic", "Kill"),
        *table_keys(show=False),  # no room in 80 columns: the help lists them
        # 80 columns hold the keys above but not 'q Quit' too: q still quits (see help)
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bots: dict[str, BotRecord] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        yield FilterBox("fleet")
        yield DataTable(id="fleet", cursor_type="row", zebra_stripes=True)
        yield Static("", id="fleet-summary")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Fleet"
        self.view = self.view_of("fleet", COLUMNS)
        self.set_interval(self.plutarc.settings.heartbeat_refresh_s, self._heartbeat_tick)

    def _heartbeat_tick(self) -> None:
        if self.is_current:  # a fleet hidden behind another screen re-reads when shown again
            self.reload()

    async def load(self) -> None:
        specs, desk = self.plutarc.specs, self.plutarc.alerts
        # PnL sums the closed trades: the rows do not wait for it (the last totals show
        # meanwhile, '…' before the first) and are filled again when it comes
        reads = asyncio.gather(  # asked first: the daemon answers in turn
            self.client.list_bots(), self.client.positions(),
            specs.ensure(self.client, set()))  # the first time: every bot's specs at once
        pnl_read = asyncio.ensure_future(self.plutarc.load_pnl())
        try:
            bots, positions, _ = await reads
            await specs.ensure(self.client, {(p.bot_id, p.symbol) for p in positions}
                               | {(b.id, s) for b in bots for s in b.symbols})
            self.bots = {bot.id: bot for bot in bots}
            if not pnl_read.done():
                last = desk.pnl_rows if desk.pnl_known else None
                self.view.set_rows(fleet_rows(bots, positions, last, specs))
                self._summarise(bots)
            pnl = await pnl_read
        finally:
            reads.cancel()  # no-ops once done; stop the rest when one read failed
            pnl_read.cancel()
        self.view.set_rows(fleet_rows(bots, positions, pnl, specs))
        self._summarise(bots)

    def _summarise(self, bots: list[BotRecord]) -> None:
        counts: dict[str, int] = defaultdict(int)
        for bot in bots:
            counts[bot.state.value] += 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        if self.view.status:
            summary += f"; {self.view.status}"
        self.query_one("#fleet-summary", Static).update(
            f"{len(bots)} bots: {summary}" if bots else
            "No bots yet: press n to create one")

    def filtered(self) -> None:
        self.reload()  # the summary line counts the rows the filter shows

    def selected_bot(self) -> BotRecord | None:
        key = selected_key(self.query_one("#fleet", DataTable))
        return self.bots.get(key) if key is not None else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_bot()

    def action_open_bot(self) -> None:
        bot = self.selected_bot()
        if bot is not None:
            self.plutarc.open_bot(bot.name)

    def action_act(self, action: str) -> None:
        bot = self.selected_bot()
        if bot is None:
            self.notify("no bot selected", severity="warning", timeout=3)
            return
        self.plutarc.bot_action(bot.name, action)

    def action_mode(self) -> None:
        bot = self.selected_bot()
        if bot is None:
            self.notify("no bot selected", severity="warning", timeout=3)
            return
        self.plutarc.change_mode(bot.name)

    def action_new_bot(self) -> None:
        self.plutarc.run_worker(bot_workflow.new_bot(self.plutarc), group="actions")

    def action_limits(self) -> None:
        bot = self.selected_bot()
        if bot is None:
            self.notify("no bot selected", severity="warning", timeout=3)
            return
        self.plutarc.run_worker(bot_workflow.edit_risk(self.plutarc, bot.name), group="actions")

    def action_symbols(self) -> None:
        bot = self.selected_bot()
        if bot is None:
            self.notify("no bot selected", severity="warning", timeout=3)
            return
        self.plutarc.run_worker(bot_workflow.edit_symbols(self.plutarc, bot.name),
                                group="actions")
