"""RunResults: the backtests screen's results of one run: metrics, regimes, charts, skip
reasons and hold times, and the trades one page at a time (sorted over every trade), with
a trade's close-up on the price chart. Mixed into BacktestsScreen, which owns the widgets."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Label, Static, TabbedContent

from plutarc.tui.backtest_view import (
    TRADE_COLUMNS,
    hold_rows,
    hold_summary,
    metric_rows,
    regime_rows,
    skip_rows,
    sort_trades,
    trade_cells,
    zoom_on,
)
from plutarc.tui.widgets.run_charts import EquityDates, RunPriceChart
from plutarc.tui.widgets.tables import refill

TRADE_PAGE = 500  # trade rows in the table at once; ] and [ turn the pages


class RunResults:
    """Needs from its screen: result, trades, trades_loaded, _ordered, page, sort_field,
    sort_reverse, query_one and _status."""

    result: dict[str, Any] | None
    trades: list[Any]
    trades_loaded: bool
    _ordered: list[Any]
    page: int
    sort_field: str
    sort_reverse: bool
    query_one: Any

    def _status(self, text: str, error: bool = False) -> None:
        raise NotImplementedError

    def _paint_summary(self, run: dict[str, Any]) -> None:
        metrics = run["metrics"]
        pairs = metric_rows(metrics)
        half = (len(pairs) + 1) // 2
        left, right = pairs[:half], pairs[half:] + [("", "")] * (2 * half - len(pairs))
        refill(self.query_one("#bt-metrics", DataTable),
               [(str(i), (*a, *b)) for i, (a, b) in enumerate(zip(left, right, strict=True))])
        refill(self.query_one("#bt-regimes", DataTable),
               [(row[0], row) for row in regime_rows(metrics)])
        equity = run["equity"]
        self.query_one("#bt-equity", EquityDates).show(
            equity["ts_ms"], equity["equity"], f"equity, run #{run['id']} ({run['symbol']})")
        self.query_one("#bt-price", RunPriceChart).show(run.get("price") or {},
                                                        run.get("markers") or {}, run["symbol"])
        refill(self.query_one("#bt-skips", DataTable),
               [(row[0], row) for row in skip_rows(metrics)])
        self.query_one("#bt-hold-summary", Label).update(f"Hold times ({hold_summary(metrics)})")
        refill(self.query_one("#bt-holds", DataTable),
               [(row[0], row) for row in hold_rows(run.get("holds") or [])])

    def _fill_trades(self) -> None:
        """One page of the sorted trades: a DataTable takes ~0.25 ms a row, so 36k rows
        would keep the screen busy for seconds; sorting and export use every trade."""
        table = self.query_one("#bt-trades", DataTable)
        self._ordered = sort_trades(self.trades, self.sort_field, self.sort_reverse)
        pages = max(1, -(-len(self._ordered) // TRADE_PAGE))
        self.page = min(max(self.page, 0), pages - 1)
        first = self.page * TRADE_PAGE
        table.clear()
        table.add_rows(trade_cells(t) for t in self._ordered[first:first + TRADE_PAGE])
        self.query_one("#bt-page", Static).update(self.page_text())

    def page_text(self) -> str:
        if len(self._ordered) <= TRADE_PAGE:
            return f"{len(self._ordered):,} trades"
        first = self.page * TRADE_PAGE
        last = min(first + TRADE_PAGE, len(self._ordered))
        return (f"trades {first + 1:,}-{last:,} of {len(self._ordered):,}, by "
                f"{self.sort_field}{' desc' if self.sort_reverse else ''}: ] next  [ previous")

    def action_page(self, step: int) -> None:
        if not self._ordered:
            return
        if not self.trades_loaded:
            self._status("the run's trades are still loading", error=True)
            return
        self.page += step
        self._fill_trades()
        self.query_one(TabbedContent).active = "tab-trades"

    # ----- sorting and export ---------------------------------------------------------
    def sort_by(self, field: str) -> None:
        """Sort the trades by ``field``; the same field again reverses the order."""
        if self.result is not None and not self.trades_loaded:
            self._status("the run's trades are still loading: sort once they are all read",
                         error=True)
            return
        self.sort_reverse = not self.sort_reverse if field == self.sort_field else False
        self.sort_field = field
        self.page = 0
        self._fill_trades()
        arrow = "descending" if self.sort_reverse else "ascending"
        self._status(f"trades sorted by {field}, {arrow}")

    def action_sort(self) -> None:
        table = self.query_one("#bt-trades", DataTable)
        self.sort_by(TRADE_COLUMNS[table.cursor_column][1])

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        if event.data_table.id == "bt-trades":
            event.stop()
            self.sort_by(str(event.column_key.value))

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        """Enter on a trade: the price chart zooms to it, with its neighbours marked."""
        if event.data_table.id != "bt-trades" or self.result is None:
            return
        event.stop()
        index = self.page * TRADE_PAGE + event.coordinate.row
        if index >= len(self._ordered):
            return
        price, marks, title = zoom_on(self.result, self.trades, self._ordered[index])
        self.query_one("#bt-price", RunPriceChart).show(price, marks, self.result["symbol"],
                                                        title)
        self.query_one(TabbedContent).active = "tab-price"

    def action_whole_run(self) -> None:
        if self.result is not None:
            self.query_one("#bt-price", RunPriceChart).show(
                self.result.get("price") or {}, self.result.get("markers") or {},
                self.result["symbol"])
