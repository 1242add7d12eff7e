"""AuditScreen: the daemon's append-only audit log (who changed what, when), newest first,
filterable and sortable, with the whole before/after of the selected row below."""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Footer, Header, Static

from plutarc.daemon.store import AuditRecord
from plutarc.models.events import EventKind
from plutarc.tui.format import fmt_time
from plutarc.tui.screens.table_screen import TABLE_KEYS, FilterBox, TableScreen
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.table_view import Row
from plutarc.tui.widgets.tables import selected_key

COLUMNS = ("Time UTC", "Who", "Action", "Target", "Change")
MAX_ROWS = 1000
SHORT = 40


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= SHORT else text[:SHORT - 3] + "..."


def change_text(before: Any, after: Any) -> str:
    """'+ {...}' created, '- {...}' removed, 'key: old -> new' for what changed."""
    if before is None:
        return "" if after is None else "+ " + _short(after)
    if after is None:
        return "- " + _short(before)
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        text = ", ".join(f"{k}: {_short(before.get(k))} -> {_short(after.get(k))}"
                         for k in keys[:3])
        return text + (" ..." if len(keys) > 3 else "") if keys else "(no change)"
    return f"{_short(before)} -> {_short(after)}"


def audit_rows(records: list[AuditRecord], bot_names: dict[str, str]) -> list[Row]:
    rows = []
    for r in sorted(records, key=lambda r: r.id, reverse=True):
        target = bot_names.get(r.target, r.target)
        cells = (fmt_time(r.ts_ms), r.who, r.action, target, change_text(r.before, r.after))
        rows.append(Row(str(r.id), cells, (r.ts_ms, *cells[1:])))
    return rows


def detail_text(record: AuditRecord) -> str:
    def full(value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str, indent=None)

    return (f"#{record.id} {fmt_time(record.ts_ms)} UTC  {record.who}  {record.action} "
            f"{record.target}\nbefore: {full(record.before)}\nafter:  {full(record.after)}")


class AuditScreen(TableScreen):
    # Audit rows come with the changes they record; these kinds follow every audited change.
    RELOAD_ON = frozenset({EventKind.BOT_STATE, EventKind.RISK, EventKind.ACTIVITY,
                           EventKind.ALERT})
    AUTO_FOCUS = "#audit"
    LOADING_ON = "#audit"
    BINDINGS: ClassVar[list[BindingType]] = [*TABLE_KEYS]

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, AuditRecord] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        yield FilterBox("audit")
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield Static("", id="audit-detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Audit"
        self.view = self.view_of("audit", COLUMNS)

    async def load(self) -> None:
        bots, records = await asyncio.gather(self.client.list_bots(),
                                             self.client.audit(limit=MAX_ROWS))
        self.records = {str(r.id): r for r in records}
        self.view.set_rows(audit_rows(records, {b.id: b.name for b in bots}))
        self._show_detail()

    def filtered(self) -> None:
        self._show_detail()

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        key = selected_key(self.query_one("#audit", DataTable))
        record = self.records.get(key) if key is not None else None
        note = f"  ({self.view.status})" if self.view.status else ""
        self.query_one("#audit-detail", Static).update(
            detail_text(record) + note if record else
            "No audit rows yet: every change through the API (CLI or TUI) is written here."
            if not self.records else f"No row matches the filter{note}")
