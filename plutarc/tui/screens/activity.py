"""ActivityScreen: the event feed, filtered by bot, kind and minimum severity, live."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Select

from plutarc.daemon.store import EventRecord
from plutarc.models.events import EventKind, Severity
from plutarc.tui.format import fmt_time
from plutarc.tui.screens.base import LiveScreen
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.tables import severity_text

SEVERITY_ORDER = list(Severity)
MAX_ROWS = 500


@dataclass(frozen=True)
class EventFilter:
    bot: str = ""
    """A bot's name or id; '' for every bot."""
    kind: EventKind | None = None
    min_severity: Severity | None = None

    def matches(self, record: EventRecord, bot_names: dict[str, str]) -> bool:
        if self.bot and self.bot not in (record.bot_id, bot_names.get(record.bot_id or "")):
            return False
        if self.kind is not None and record.kind is not self.kind:
            return False
        if self.min_severity is None:
            return True
        return SEVERITY_ORDER.index(record.severity) >= SEVERITY_ORDER.index(self.min_severity)


class ActivityScreen(LiveScreen):
    AUTO_FOCUS = "#events"  # single-key bindings must not land in the filter box
    LOADING_ON = "#events"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "leave_filter", "Back to the feed", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = EventFilter()
        self.bot_names: dict[str, str] = {}
        # Events that stream in while a load awaits the daemon: added after the loaded rows,
        # so none is lost to the table being cleared and none is added twice.
        self._arrived_while_loading: list[EventRecord] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        with Horizontal(id="activity-filters"):
            yield Input(placeholder="bot (name or id)", id="bot-filter")
            yield Select([(k.value, k) for k in EventKind], prompt="any kind", id="kind-filter")
            yield Select([(s.value, s) for s in Severity], prompt="any severity",
                         id="severity-filter")
        table: DataTable[object] = DataTable(id="events", cursor_type="row")
        table.add_columns("Time UTC", "Severity", "Kind", "Bot", "Message")
        yield table
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Activity"

    def action_filter(self) -> None:
        self.query_one("#bot-filter", Input).focus()

    def action_leave_filter(self) -> None:
        """Esc in a filter box: back to the feed, the filter kept (Enter applies a bot)."""
        self.query_one("#events", DataTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._set_filter(bot=event.value.strip())
        self.query_one("#events", DataTable).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else event.value
        if event.select.id == "kind-filter":
            self._set_filter(kind=value)
        else:
            self._set_filter(min_severity=value)

    def _set_filter(self, **changes: object) -> None:
        values = {"bot": self.filter.bot, "kind": self.filter.kind,
                  "min_severity": self.filter.min_severity, **changes}
        self.filter = EventFilter(**values)  # type: ignore[arg-type]
        self.reload()

    async def load(self) -> None:
        f = self.filter
        self._arrived_while_loading = []
        try:
            bots, events = await asyncio.gather(
                self.client.list_bots(),
                self.client.events(bot=f.bot or None, kinds=[f.kind] if f.kind else (),
                                   severity=f.min_severity, limit=MAX_ROWS))
            self.bot_names = {bot.id: bot.name for bot in bots}
            table = self.query_one("#events", DataTable)
            table.clear()
            for record in events:
                self._add(table, record)
            last_id = events[-1].id if events else 0
            unnamed = False
            for record in self._arrived_while_loading:
                unnamed |= bool(record.bot_id) and record.bot_id not in self.bot_names
                if record.id > last_id and self.filter.matches(record, self.bot_names):
                    self._add(table, record)
            if unnamed:
                self.reload()  # a bot created during the read: learn its name
        finally:
            self._arrived_while_loading = None
        self._trim(table)
        table.move_cursor(row=table.row_count - 1, animate=False)

    def event_arrived(self, record: EventRecord) -> None:
        if self._arrived_while_loading is not None:
            self._arrived_while_loading.append(record)
            return
        if record.kind is EventKind.BOT_STATE and record.bot_id not in self.bot_names:
            self.reload()  # a new bot: learn its name
            return
        if not self.filter.matches(record, self.bot_names):
            return
        table = self.query_one("#events", DataTable)
        follow = table.cursor_row >= table.row_count - 1
        self._add(table, record)
        self._trim(table)
        if follow:
            table.move_cursor(row=table.row_count - 1, animate=False)

    def _add(self, table: DataTable[object], record: EventRecord) -> None:
        key = str(record.id)
        if key in table.rows:  # the stream and a read can both bring one event
            return
        bot = self.bot_names.get(record.bot_id or "", record.bot_id or "-")
        table.add_row(fmt_time(record.ts_ms), severity_text(record.severity.value),
                      record.kind.value, bot, record.message, key=key)

    @staticmethod
    def _trim(table: DataTable[object]) -> None:
        while table.row_count > MAX_ROWS:
            table.remove_row(next(iter(table.rows)))
