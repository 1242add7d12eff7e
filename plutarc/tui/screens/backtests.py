"""BacktestsScreen: launch a backtest in the daemon, follow it, and read its results.

The run happens in the daemon (POST /v1/backtests); the screen polls the job for its progress
and reads the stored run when it is done: metrics, equity curve, regimes and the trades, which
sort by any column and export to a CSV file on this machine.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from plutarc.errors import PlutarcError
from plutarc.tui.backtest_view import (
    RUN_COLUMNS,
    STORED,
    TRADE_COLUMNS,
    VENUE,
    LaunchForm,
    run_cells,
    sort_trades,
    write_trades_csv,
)
from plutarc.tui.screens.backtest_results import RunResults
from plutarc.tui.screens.base import LiveScreen
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.run_charts import EquityDates, RunPriceChart
from plutarc.tui.widgets.tables import refill

POLL_S = 0.2
VENUES = ("bitmex",)
PATH_HINT = "or a file path (daemon side)"
URL_HINT = "venue URL (empty: its live API)"


class BacktestsScreen(RunResults, LiveScreen):
    AUTO_FOCUS = "#bt-template"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "run", "Run"),
        Binding("s", "sort", "Sort trades"),
        Binding("ctrl+e", "export", "Export CSV"),
        Binding("right_square_bracket", "page(1)", "Next trades", show=False),
        Binding("left_square_bracket", "page(-1)", "Previous trades", show=False),
        Binding("z", "whole_run", "Whole run", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.job: dict[str, Any] | None = None
        self.result: dict[str, Any] | None = None
        """The stored run on show: GET /v1/backtests/{id}."""
        self.status_text = ""
        self._choices_loaded = False
        self._file_templates: list[tuple[str, str]] = []
        self.trades: list[Any] = []
        self.sort_field = "seq"
        self.sort_reverse = False
        self.shown_run: int | None = None
        self.trades_loaded = False
        self._ordered: list[Any] = []
        self.page = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        with Horizontal(classes="bt-form"):
            yield Select([], prompt="template", id="bt-template", compact=True)
            yield Select([], prompt="bundled candles", id="bt-data", compact=True)
            yield Checkbox("margin", value=True, id="bt-margin", compact=True,
                           tooltip="margin checks and liquidation (unchecked: none, cash may "
                           "go negative; the CLI's --no-margin)")
        with Horizontal(classes="bt-form"):
            yield Input(placeholder=PATH_HINT, id="bt-path", compact=True)
            yield Input(placeholder="symbol", id="bt-symbol", compact=True)
            yield Input(placeholder="from", id="bt-start", compact=True,
                        tooltip="ISO date/time (UTC) or epoch ms, e.g. 2024-01-03")
            yield Input(placeholder="to", id="bt-end", compact=True, tooltip="exclusive end")
            yield Input(placeholder="cash", id="bt-cash", compact=True,
                        tooltip="starting equity (10000)")
            yield Button("Run", id="bt-run", variant="primary", compact=True)
        with Horizontal(id="bt-progress-row"):
            yield ProgressBar(total=1.0, show_eta=False, id="bt-progress")
            yield Static("fill the form and press ctrl+r", id="bt-status", markup=False)
        with TabbedContent(id="bt-results"):
            with TabPane("Metrics", id="tab-metrics"):
                yield _table("bt-metrics", ("Metric", "Value", "Metric ", "Value "))
            with TabPane("Equity", id="tab-equity"):
                yield EquityDates(id="bt-equity")
            with TabPane("Price", id="tab-price"):
                yield RunPriceChart(id="bt-price")
            with TabPane("Skips/holds", id="tab-skips"), VerticalScroll():
                yield Label("Why it did not act (candles)", classes="section")
                yield _table("bt-skips", ("Skip reason", "Candles", "Share"))
                yield Label("Hold times", classes="section", id="bt-hold-summary")
                yield _table("bt-holds", ("Held", "Trades", "", "Win rate", "Net PnL"))
            with TabPane("Regimes", id="tab-regimes"):
                yield _table("bt-regimes", ("Regime", "Trades", "Net PnL", "Win rate", "PF"))
            with TabPane("Trades", id="tab-trades"):
                trades = _table("bt-trades", ())
                trades.cursor_type = "cell"
                for header, field in TRADE_COLUMNS:
                    trades.add_column(header, key=field)
                yield trades
                yield Static("", id="bt-page", markup=False)
            with TabPane("Runs", id="tab-runs"):
                yield _table("bt-runs", RUN_COLUMNS)
        with Horizontal(id="bt-export-row"):
            yield Input(placeholder="CSV file for the trades", id="bt-csv", compact=True)
            yield Button("Export", id="bt-export", compact=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Backtests"

    async def load(self) -> None:
        """The form's choices and the stored runs. Stored templates are read again each time
        (the editor may just have saved one); a choice still offered stays chosen."""
        if not self._choices_loaded:
            files, data = await asyncio.gather(self.client.template_catalog(),
                                               self.client.data_files())
            self._file_templates = [(t.name, t.name) for t in files]
            self.query_one("#bt-data", Select).set_options(
                [(f.name, f.path) for f in data]
                + [(f"{venue} (venue: symbol, from, to)", VENUE + venue) for venue in VENUES])
        stored = await self.client.list_templates()
        picker = self.query_one("#bt-template", Select)
        chosen = picker.value
        options = [(f"{t.name} (stored v{t.version})", STORED + t.name) for t in stored]
        options += self._file_templates
        picker.set_options(options)
        if chosen is not Select.NULL and any(value == chosen for _label, value in options):
            picker.value = chosen
        self._choices_loaded = True
        runs, _jobs = await self.client.backtests()
        refill(self.query_one("#bt-runs", DataTable),
               [(str(r["id"]), run_cells(r)) for r in runs])

    # ----- launching and following a job ----------------------------------------------
    def form(self) -> LaunchForm:
        def text(widget_id: str) -> str:
            return self.query_one(widget_id, Input).value.strip()

        template = self.query_one("#bt-template", Select).value
        data = self.query_one("#bt-data", Select).value
        return LaunchForm(
            template="" if template is Select.NULL else str(template),
            data="" if data is Select.NULL else str(data), path=text("#bt-path"),
            symbol=text("#bt-symbol"), start=text("#bt-start"), end=text("#bt-end"),
            cash=text("#bt-cash"), enforce_margin=self.query_one("#bt-margin", Checkbox).value)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "bt-data":
            venue = str(event.value).startswith(VENUE)
            self.query_one("#bt-path", Input).placeholder = URL_HINT if venue else PATH_HINT

    def action_run(self) -> None:
        if self.job is not None and self.job.get("state") == "running":
            self._status(f"backtest job {self.job['job_id']} is still running", error=True)
            return
        self.run_worker(self._launch(), group="backtest", exclusive=True)

    async def _launch(self) -> None:
        form = self.form()
        try:
            body = form.request()
            self.job = job = await self.client.start_backtest(body)
        except PlutarcError as exc:
            self._status(f"not started: {exc}", error=True)
            return
        bar = self.query_one("#bt-progress", ProgressBar)
        bar.update(progress=0.0)
        self._status(f"job {job['job_id']} running: {form.describe()}")
        while job["state"] == "running":
            await asyncio.sleep(POLL_S)
            try:
                self.job = job = await self.client.backtest_job(job["job_id"])
            except PlutarcError as exc:
                self._status(f"lost the job: {exc}", error=True)
                return
            bar.update(progress=job["progress"])
        if job["state"] != "done":
            self._status(f"backtest failed: {job['error']}", error=True)
            return
        await self.show_run(int(job["run_id"]))
        self.reload()  # the new run joins the stored ones

    def open_run(self, run_id: int) -> None:
        """Show stored run ``run_id``: the summary paints first, the trades follow."""
        self.run_worker(self.show_run(run_id), group="backtest", exclusive=True)

    async def show_run(self, run_id: int) -> None:
        self._status(f"loading run #{run_id} ...")
        self.query_one("#bt-progress", ProgressBar).update(total=None)  # pulses meanwhile
        try:
            run = await self.client.backtest_run(run_id, trades=False)
        except PlutarcError as exc:
            self._status(str(exc), error=True)
            return
        self.result, self.trades = run, list(run.get("first_trades") or [])
        self.trades_loaded = False
        self._paint_summary(run)
        self.sort_field, self.sort_reverse, self.page = "seq", False, 0
        # The first page came with the summary: filled once the metrics are on screen.
        self.call_after_refresh(self._fill_trades)
        self.query_one(TabbedContent).active = "tab-metrics"
        self.shown_run = run_id
        count = run["metrics"].get("trades", 0)
        if count > len(self.trades):
            self.query_one("#bt-page", Static).update(
                f"first {len(self.trades):,} of {count:,} trades; reading the rest ...")
        self._status(f"loading run #{run_id}: metrics shown, reading {count:,} trades ...")
        try:
            full = await self.client.backtest_run(run_id)
        except PlutarcError as exc:
            self._status(f"run #{run_id}: its trades could not be read: {exc}", error=True)
            return
        if self.shown_run != run_id:
            return  # another run was opened meanwhile
        self.result, self.trades = full, list(full["trades"])
        self.trades_loaded = True
        self._fill_trades()  # same sort and page: every trade from now on
        self.query_one("#bt-progress", ProgressBar).update(total=1.0, progress=1.0)
        csv_input = self.query_one("#bt-csv", Input)
        if not csv_input.value:
            csv_input.value = f"backtest-{run_id}-trades.csv"
        metrics = run["metrics"]
        self._status(f"run #{run_id}: {run['template']} on {run['symbol']} "
                     f"({run.get('data_file', '')}), {len(self.trades)} trades, net PnL "
                     f"{metrics.get('net_pnl', 0):,.2f}")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "bt-runs" and event.row_key.value is not None:
            event.stop()
            self.open_run(int(event.row_key.value))

    def action_export(self) -> None:
        if self.result is None:
            self._status("no results to export yet", error=True)
            return
        if not self.trades_loaded:
            self._status("the run's trades are still loading: export once they are shown",
                         error=True)
            return
        path = Path(self.query_one("#bt-csv", Input).value.strip() or "trades.csv")
        try:
            count = write_trades_csv(path, sort_trades(self.trades, self.sort_field,
                                                       self.sort_reverse))
        except PlutarcError as exc:
            self._status(f"not exported: {exc}", error=True)
            return
        self._status(f"{count} trades written to {path.expanduser().resolve()}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "bt-run":
            self.action_run()
        elif event.button.id == "bt-export":
            self.action_export()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "bt-csv":
            self.action_export()
        else:
            self.action_run()

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#bt-status", Static)
        status.update(text)
        status.set_class(error, "-invalid")
        self.status_text = text


def _table(table_id: str, columns: tuple[str, ...]) -> DataTable[object]:
    table: DataTable[object] = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
    if columns:
        table.add_columns(*columns)
    return table
