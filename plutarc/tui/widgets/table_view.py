"""TableView: a DataTable re-filled from the API, shown filtered by a '/' box and sorted by a
column (the same column again reverses), keeping the cursor on its row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from plutarc.tui.widgets.tables import refill

ARROWS = {False: " ▲", True: " ▼"}


@dataclass(frozen=True)
class Row:
    key: str
    cells: tuple[object, ...]
    sort: tuple[Any, ...] = ()
    """A sort value per column (numbers as numbers); empty: sort by the cells' text."""


def _number(text: str) -> Decimal | None:
    """'+1,234.50 USDT' -> 1234.50; None for text that does not start with a number."""
    head = text.split(" ", 1)[0].replace(",", "").lstrip("+")
    try:
        return Decimal(head) if head else None
    except InvalidOperation:
        return None


def sort_value(cell: object) -> tuple[int, Any]:
    """Numbers before words, each in their own order; '-' and blanks last."""
    if isinstance(cell, int | float | Decimal):
        return (0, Decimal(str(cell)))
    text = cell.plain if isinstance(cell, Text) else str(cell)
    if text in ("", "-"):
        return (2, "")
    number = _number(text)
    return (0, number) if number is not None else (1, text.lower())


class TableView:
    """Owns the rows of one DataTable; the table shows those that match ``query``, sorted."""

    def __init__(self, table: DataTable[object], labels: Sequence[str]) -> None:
        self.table = table
        self.labels = list(labels)
        self.rows: list[Row] = []
        self.query = ""
        self.sort_column: int | None = None
        self.reverse = False
        self.column_keys = table.add_columns(*labels)
        self._arrows: tuple[int | None, bool] = (None, False)  # as the headers show it

    def set_rows(self, rows: Sequence[Row] | Sequence[tuple[str, Sequence[object]]]) -> None:
        self.rows = [r if isinstance(r, Row) else Row(r[0], tuple(r[1])) for r in rows]
        self.show()

    def sort_by(self, column: int) -> None:
        """Sort by ``column``; asked again for the same column, reverse the order."""
        if not 0 <= column < len(self.labels):
            return
        if self.sort_column == column:
            self.reverse = not self.reverse
        else:
            self.sort_column, self.reverse = column, False
        self.show()

    def set_query(self, query: str) -> None:
        self.query = query.strip().lower()
        self.show()

    def visible(self) -> list[Row]:
        rows = [r for r in self.rows if self._matches(r)]
        col = self.sort_column
        if col is not None:
            def key(row: Row) -> tuple[int, Any]:
                value = row.sort[col] if row.sort else row.cells[col]
                return sort_value(value)

            known = [r for r in rows if key(r)[0] < 2]
            blank = [r for r in rows if key(r)[0] == 2]  # blanks stay last either way
            rows = sorted(known, key=key, reverse=self.reverse) + blank
        return rows

    def _matches(self, row: Row) -> bool:
        if not self.query:
            return True
        text = " ".join(c.plain if isinstance(c, Text) else str(c) for c in row.cells)
        return all(word in text.lower() for word in self.query.split())

    def show(self) -> None:
        refill(self.table, ((r.key, r.cells) for r in self.visible()))
        arrows = (self.sort_column, self.reverse)
        if arrows == self._arrows:
            return
        self._arrows = arrows
        for index, (key, label) in enumerate(zip(self.column_keys, self.labels, strict=True)):
            arrow = ARROWS[self.reverse] if index == self.sort_column else ""
            column = self.table.columns[key]
            column.label = Text(label + arrow)
            column.content_width = max(column.content_width, column.label.cell_len)
        self.table.refresh()

    @property
    def status(self) -> str:
        """'3 of 50 match "eth"' while filtered, else ''."""
        if not self.query:
            return ""
        return f'{len(self.visible())} of {len(self.rows)} match "{self.query}"'
