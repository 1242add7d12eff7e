"""FleetScreen: every bot with state, venue, symbols, mode, position, PnL and last heartbeat."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from plutarc.daemon.store import BotRecord, PositionRecord
from plutarc.models.events import EventKind
from plutarc.tui import bot_workflow
from plutarc.tui.format import fmt_age, fmt_dec, fmt_pnl
from plutarc.tui.screens.base import BOT_CONTROLS, LiveScreen
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.tables import refill, selected_key, state_text

COLUMNS = ("Bot", "State", "Venue", "Symbols", "Mode", "Position", "PnL", "Heartbeat")


def position_cell(positions: list[PositionRecord]) -> str:
    held = [p for p in positions if p.qty != 0]
    if not held:
        return "flat"
    return ", ".join(f"{p.symbol} {fmt_dec(p.qty)}" for p in held)


def pnl_cell(positions: list[PositionRecord]) -> str:
    total = sum((p.realised_pnl + p.unrealised_pnl for p in positions), Decimal(0))
    return fmt_pnl(total)


def fleet_rows(bots: list[BotRecord], positions: list[PositionRecord],
               now_ms: int | None = None) -> list[tuple[str, tuple[object, ...]]]:
    by_bot: dict[str, list[PositionRecord]] = defaultdict(list)
    for position in positions:
        by_bot[position.bot_id].append(position)
    return [
        (bot.id, (bot.name, state_text(bot.state.value), bot.venue, " ".join(bot.symbols),
                  bot.mode, position_cell(by_bot[bot.id]), pnl_cell(by_bot[bot.id]),
                  fmt_age(bot.last_heartbeat_ms, now_ms)))
        for bot in bots
    ]


class FleetScreen(LiveScreen):
    RELOAD_ON = frozenset({EventKind.BOT_STATE, EventKind.POSITION, EventKind.FILL,
                           EventKind.TRADE})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_bot", "Open"),
        Binding("n", "new_bot", "New bot", show=False),
        *BOT_CONTROLS,
        Binding("ctrl+k", "app.panic", "Kill"),
        # 80 columns hold the keys above but not 'q Quit' too: q still quits (see help)
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bots: dict[str, BotRecord] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        table: DataTable[object] = DataTable(id="fleet", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static("", id="fleet-summary")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Fleet"
        self.set_interval(self.plutarc.settings.heartbeat_refresh_s, self._heartbeat_tick)

    def _heartbeat_tick(self) -> None:
        if self.is_current:  # a fleet hidden behind another screen re-reads when shown again
            self.reload()

    async def load(self) -> None:
        bots, positions = await asyncio.gather(self.client.list_bots(), self.client.positions())
        self.bots = {bot.id: bot for bot in bots}
        table = self.query_one("#fleet", DataTable)
        refill(table, fleet_rows(bots, positions))
        counts: dict[str, int] = defaultdict(int)
        for bot in bots:
            counts[bot.state.value] += 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        self.query_one("#fleet-summary", Static).update(
            f"{len(bots)} bots: {summary}" if bots else
            "No bots yet: press n to create one")

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
