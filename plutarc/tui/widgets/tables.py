"""Helpers for DataTables that are re-filled from the API: keep the cursor, colour states."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

STATE_STYLES = {
    "online": "bold green", "deploying": "yellow", "paused": "bold yellow",
    "sleeping": "cyan", "stopped": "dim", "errored": "bold red",
}
SEVERITY_STYLES = {
    "debug": "dim", "info": "", "warning": "yellow", "error": "bold red", "critical": "bold red",
}


def state_text(state: str) -> Text:
    return Text(state, style=STATE_STYLES.get(state, ""))


def severity_text(severity: str) -> Text:
    return Text(severity, style=SEVERITY_STYLES.get(severity, ""))


def selected_key(table: DataTable[object]) -> str | None:
    """The key of the row under the cursor, or None for an empty table."""
    if table.row_count == 0:
        return None
    try:
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    except CellDoesNotExist:
        return None
    return key.value


def refill(table: DataTable[object], rows: Iterable[tuple[str, Sequence[object]]]) -> None:
    """Replace every row (key, cells) and keep the cursor on the same key when it still exists."""
    keep = selected_key(table)
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if keep is not None and keep in table.rows:  # RowKey compares equal to its string
        table.move_cursor(row=table.get_row_index(keep), animate=False)
