"""NotifyScreen: where alerts go when you are away: the channels (redacted), their queues,
and the routing matrix (kind x channel -> minimum severity), edited in place.

Adding a channel takes its secret URL, so it stays a CLI step ('plutarc notify add NAME'
reads it without echo); here a level is changed with ``enter`` and a channel tested
with ``t``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from plutarc.models.events import EventKind
from plutarc.notify.kinds import LEVELS
from plutarc.tui.screens.base import LiveScreen
from plutarc.tui.widgets.banner import ConnectionBanner

CHANNEL_COLUMNS = ("Channel", "Address", "Queued", "State")
EMPTY = ("No channels yet. Add one from a shell (the URL is read without echo):\n"
         "  plutarc notify add phone        e.g. tgram://TOKEN/CHAT_ID, ntfys://TOPIC")


def next_level(level: str) -> str:
    """off -> info -> warning -> error -> critical -> off."""
    return LEVELS[(LEVELS.index(level) + 1) % len(LEVELS)] if level in LEVELS else "off"


class NotifyScreen(LiveScreen):
    RELOAD_ON = frozenset({EventKind.HEALTH, EventKind.ACTIVITY})
    AUTO_FOCUS = "#notify-matrix"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "cycle", "Change level"),
        Binding("t", "test", "Test channel"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.overview: Any = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        yield DataTable(id="notify-channels", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="notify-matrix", cursor_type="cell", zebra_stripes=True)
        yield Static("", id="notify-settings")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Notifications"
        self.query_one("#notify-channels", DataTable).add_columns(*CHANNEL_COLUMNS)

    async def load(self) -> None:
        from plutarc.daemon.api.notify_routes import NotifyResponse

        self.overview = got = await self.client.request("GET", "/v1/notify", NotifyResponse)
        channels = self.query_one("#notify-channels", DataTable)
        channels.clear()
        for s in got.channels:
            channels.add_row(s.channel.name, s.channel.address, str(s.pending),
                             f"FAILING: {s.failing}" if s.failing else "ok", key=s.channel.name)
        names = [s.channel.name for s in got.channels]
        matrix = self.query_one("#notify-matrix", DataTable)
        cursor = matrix.cursor_coordinate
        matrix.clear(columns=True)
        matrix.add_columns("Kind", *names)
        levels = {(r.kind.value, r.channel): r.level + ("" if r.default else " *")
                  for r in got.routes}
        kinds = list(dict.fromkeys(r.kind.value for r in got.routes))
        for kind in kinds:
            matrix.add_row(kind, *(levels[(kind, n)] for n in names), key=kind)
        if kinds:
            matrix.cursor_coordinate = matrix.validate_cursor_coordinate(cursor)
        st = got.settings
        self.query_one("#notify-settings", Static).update(
            EMPTY if not names else
            f"repeats folded for {st.dedup_window_s} s; at most {st.max_per_hour} an hour per "
            f"channel; daily summary {st.summary_at + ' UTC' if st.summary_at else 'off'}. "
            "enter: next level (off, info, warning, error, critical; * = changed from the "
            "default); t: test the channel under the cursor; settings: 'plutarc notify set'")

    def _cell(self) -> tuple[str, str, str] | None:
        """(kind, channel, level) under the matrix cursor, if on a channel's column."""
        matrix = self.query_one("#notify-matrix", DataTable)
        if self.overview is None or not matrix.row_count:
            return None
        row, column = matrix.cursor_coordinate
        names = [s.channel.name for s in self.overview.channels]
        if column < 1 or column > len(names):
            return None
        kind = str(matrix.get_cell_at((row, 0)))
        level = str(matrix.get_cell_at((row, column))).removesuffix(" *")
        return kind, names[column - 1], level

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        if event.data_table.id == "notify-matrix":  # enter on a cell: the table's own key
            self.action_cycle()

    def action_cycle(self) -> None:
        cell = self._cell()
        if cell is None:
            self.notify("move to a channel's column to change its level", timeout=4)
            return
        kind, channel, level = cell
        self.run_worker(self._set(channel, kind, next_level(level)), group="notify")

    async def _set(self, channel: str, kind: str, level: str) -> None:
        from plutarc.daemon.api.notify_routes import RoutesResponse
        from plutarc.errors import PlutarcError

        try:
            await self.client.request("PUT", "/v1/notify/routes", RoutesResponse,
                                      body={"channel": channel, "kind": kind, "level": level})
        except PlutarcError as exc:
            self.notify(str(exc), title="notify", severity="error", timeout=6)
        self.reload()

    def action_test(self) -> None:
        cell = self._cell()
        channels = self.query_one("#notify-channels", DataTable)
        if cell is not None:
            channel = cell[1]
        elif self.overview is not None and self.overview.channels:
            channel = self.overview.channels[channels.cursor_row].channel.name
        else:
            self.notify("no channel to test: add one with 'plutarc notify add NAME'")
            return
        self.run_worker(self._test(channel), group="notify")

    async def _test(self, channel: str) -> None:
        from plutarc.daemon.api.notify_routes import TestResponse
        from plutarc.errors import PlutarcError

        self.notify(f"sending a test message to {channel} ...", timeout=3)
        try:
            got = await self.client.request("POST", f"/v1/notify/channels/{channel}/test",
                                            TestResponse)
        except PlutarcError as exc:
            self.notify(str(exc), title="notify", severity="error", timeout=6)
            return
        self.notify(got.message, title=f"test: {channel}",
                    severity="information" if got.ok else "error", timeout=6)
