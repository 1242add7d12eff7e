"""TableScreen: a LiveScreen whose tables filter ('/') and sort (1-9, or a click on a header;
the same again reverses), the keys of lazygit and k9s."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input

from plutarc.tui.screens.base import LiveScreen
from plutarc.tui.widgets.table_view import TableView


def table_keys(show: bool = True) -> list[BindingType]:
    """'/' and 1-9; ``show=False`` for a footer that has no room (the help lists them)."""
    return [
        Binding("slash", "filter", "Filter", key_display="/", show=show),
        Binding("1", "sort(0)", "Sort", key_display="1-9", show=show),
        *(Binding(str(n), f"sort({n - 1})", show=False) for n in range(2, 10)),
    ]


TABLE_KEYS = table_keys()


class FilterBox(Input):
    """The '/' box above a table: filters as you type; Enter or Esc goes back to the table
    (keeping the filter; empty the box to show every row)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", "Back to the table")]

    def __init__(self, table_id: str) -> None:
        super().__init__(placeholder="filter: words in any column; empty shows all",
                         id=f"{table_id}-filter", classes="filter-box")
        self.table_id = table_id
        self.display = False  # shown by '/'; hidden it takes no focus from the table

    def action_leave(self) -> None:
        self.screen.query_one(f"#{self.table_id}", DataTable).focus()
        self.display = bool(self.value.strip())


class TableScreen(LiveScreen):
    """Subclasses compose ``FilterBox(id)`` before each ``DataTable(id=id)`` and call
    ``self.view_of(table, labels)`` once per table in on_mount (adds the columns)."""

    AUTO_FOCUS = "DataTable"  # the first table, never a filter box
    views: dict[str, TableView]

    def view_of(self, table_id: str, labels: Sequence[str]) -> TableView:
        if not hasattr(self, "views"):
            self.views = {}
        view = TableView(self.query_one(f"#{table_id}", DataTable), labels)
        self.views[table_id] = view
        return view

    def current_view(self) -> TableView | None:
        """The view of the focused table (or of the one whose filter box has focus)."""
        views = getattr(self, "views", {})
        focused = self.focused
        if isinstance(focused, DataTable) and focused.id in views:
            return views[focused.id]
        if isinstance(focused, FilterBox):
            return views.get(focused.table_id)
        return next(iter(views.values()), None)

    def action_filter(self) -> None:
        view = self.current_view()
        if view is None or view.table.id is None:
            return
        box = self.query_one(f"#{view.table.id}-filter", FilterBox)
        box.display = True
        box.focus()

    def action_sort(self, column: int) -> None:
        view = self.current_view()
        if view is not None:
            view.sort_by(column)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        view = getattr(self, "views", {}).get(event.data_table.id or "")
        if view is not None:
            event.stop()
            view.sort_by(event.column_index)

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FilterBox):
            event.stop()
            self.views[event.input.table_id].set_query(event.value)
            self.filtered()

    def filtered(self) -> None:
        """Called after the filter changed: subclasses update what counts the rows shown."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FilterBox):
            event.stop()
            event.input.action_leave()
