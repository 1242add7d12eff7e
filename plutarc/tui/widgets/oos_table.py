"""OosView: a walk-forward's out-of-sample table (per window: spans, the parameters chosen
in-sample, in-sample vs out-of-sample score, trades and net) above the stitched out-of-sample
summary, the chosen parameters' stability and the run's notes. Windows fill in while the
walk-forward runs (``windows``), the whole stored run replaces them when it is done (``show``).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from plutarc.tui.research_view import WINDOW_COLUMNS, summary_text, window_cells
from plutarc.tui.widgets.tables import refill


class OosView(Vertical):
    DEFAULT_CSS = """
    OosView { height: 1fr; }
    OosView DataTable { height: 1fr; }
    OosView #oos-summary { height: auto; max-height: 8; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.rows: list[dict[str, Any]] = []
        self.walkforward: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        table: DataTable[object] = DataTable(id="oos-windows", cursor_type="row",
                                             zebra_stripes=True)
        table.add_columns(*WINDOW_COLUMNS)
        yield table
        yield Static("start a walk-forward (fill train and test) or open one from Runs",
                     id="oos-summary", markup=False)

    def windows(self, rows: list[dict[str, Any]], done: int, total: int) -> None:
        """The windows scored so far by a running walk-forward."""
        self.rows, self.walkforward = list(rows), None
        self._fill()
        self.query_one("#oos-summary", Static).update(
            f"running: {done} of {total or '?'} windows scored")

    def show(self, wf: dict[str, Any]) -> None:
        """A stored walk-forward (GET /v1/research/walkforwards/{id})."""
        self.rows, self.walkforward = list(wf["windows"]), wf
        self._fill()
        self.query_one("#oos-summary", Static).update(summary_text(wf))

    def _fill(self) -> None:
        refill(self.query_one("#oos-windows", DataTable),
               [(str(w["index"]), window_cells(w)) for w in self.rows])

    def row(self, key: str) -> dict[str, Any] | None:
        return next((w for w in self.rows if str(w["index"]) == key), None)
