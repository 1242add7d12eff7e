"""HeatmapView: a convergence heatmap as the daemon serves it (median objective per cell of two
swept parameters, red to green), the X and Y parameters picked from the swept ones, and the
verdict. Attributes down (``show``), a message up when the axes change (the screen asks the
daemon for the heatmap on the new axes)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Select, Static

from plutarc.research.heatmap import shade


def heat_table(data: dict[str, Any]) -> Table:
    """The served matrix as a rich table: one row per Y value, one column per X value."""
    flat = [c for row in data["cells"] for c in row if c is not None]
    lo, hi = (min(flat), max(flat)) if flat else (0.0, 0.0)
    table = Table(title=f"median {data['objective']} across {data['windows']} window(s)",
                  show_lines=False, expand=False)
    table.add_column(f"{data['y'] or ''} \\ {data['x']}", style="bold")
    for value in data["xs"]:
        table.add_column(str(value), justify="right")
    for label, row in zip(data["ys"], data["cells"], strict=True):
        cells = [Text("-", style="dim") if c is None else
                 Text(f"{c:,.2f}", style=f"black on rgb({','.join(map(str, shade(c, lo, hi)))})")
                 for c in row]
        table.add_row(str(label if label is not None else ""), *cells)
    return table


class HeatmapView(Vertical):
    DEFAULT_CSS = """
    HeatmapView { height: 1fr; }
    HeatmapView .hm-axes { height: 1; padding: 0 1; }
    HeatmapView .hm-axes Label { padding: 0 1; }
    HeatmapView Select { width: 1fr; }
    HeatmapView #hm-scroll { height: 1fr; }
    HeatmapView #hm-verdict { padding: 0 1; }
    """

    class AxesChanged(Message):
        """The user picked other axes: the screen fetches the heatmap on them."""

        def __init__(self, x: str, y: str | None) -> None:
            super().__init__()
            self.x, self.y = x, y

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.data: dict[str, Any] | None = None
        self._dims: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="hm-axes"):
            yield Label("X")
            yield Select([], prompt="x parameter", id="hm-x", compact=True, allow_blank=True)
            yield Label("Y")
            yield Select([], prompt="y parameter", id="hm-y", compact=True, allow_blank=True)
        with VerticalScroll(id="hm-scroll"):
            yield Static("open a sweep or a walk-forward to see its heatmap", id="hm-grid")
        yield Static("", id="hm-verdict", markup=False)

    def show(self, data: dict[str, Any]) -> None:
        """Paint ``data`` (GET .../heatmap); the pickers follow its axes without asking again."""
        # The pickers' Changed messages arrive after this: they match self.data, so they ask
        # for nothing.
        self.data = data
        x_pick, y_pick = self.query_one("#hm-x", Select), self.query_one("#hm-y", Select)
        if data["dims"] != self._dims:
            self._dims = list(data["dims"])
            x_pick.set_options([(d, d) for d in self._dims])
            y_pick.set_options([(d, d) for d in self._dims])
        x_pick.value = data["x"]
        if data["y"] is None:
            y_pick.clear()
        else:
            y_pick.value = data["y"]
        y_pick.disabled = len(self._dims) < 2
        self.query_one("#hm-grid", Static).update(heat_table(data))
        self.query_one("#hm-verdict", Static).update(
            f"verdict: {data['verdict']}\n{data['agree']} of {data['variants']} variants "
            f"agree across {data['windows']} window(s) and across regimes")

    def say(self, text: str) -> None:
        """No heatmap to show, and why."""
        self.data = None
        self.query_one("#hm-grid", Static).update(text)
        self.query_one("#hm-verdict", Static).update("")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.data is None:
            return
        x = self.query_one("#hm-x", Select).value
        y = self.query_one("#hm-y", Select).value
        if not isinstance(x, str):
            return
        y_name = y if isinstance(y, str) else None
        if x == y_name:  # the axis picked is the other one's: they swap
            if event.select.id == "hm-x":
                y_name = self.data["x"]
            else:
                x = self.data["y"] or x
        if (x, y_name) != (self.data["x"], self.data["y"]):
            self.post_message(self.AxesChanged(x, y_name))
