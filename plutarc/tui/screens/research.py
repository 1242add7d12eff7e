"""ResearchScreen: launch a parameter sweep or a walk-forward in the daemon and watch it fill
in; read a sweep's variants best first (invalid ones with the template's message), a
walk-forward's out-of-sample table and stitched summary, and the convergence heatmap on the
parameters picked; run any variant alone as a normal backtest and land on its results in the
Backtests screen. Everything runs in the daemon; the screen only reads what the API serves."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Static,
    TabbedContent,
    TabPane,
)

from plutarc.daemon import research_client as api
from plutarc.errors import PlutarcError
from plutarc.tui.research_view import (
    RUN_COLUMNS,
    VARIANT_COLUMNS,
    form_spec,
    job_line,
    skipped_cells,
    sweep_cells,
    variant_cells,
    walkforward_cells,
)
from plutarc.tui.screens.backtests import BacktestsScreen
from plutarc.tui.screens.base import LiveScreen
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.heatmap import HeatmapView
from plutarc.tui.widgets.oos_table import OosView
from plutarc.tui.widgets.tables import refill

POLL_S = 0.3
FORM_FIELDS = ("template", "data", "from", "to", "cash", "params", "objective", "n",
               "min-trades", "train", "test", "gap", "step")


def _table(table_id: str, columns: tuple[str, ...]) -> DataTable[object]:
    table: DataTable[object] = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
    table.add_columns(*columns)
    return table


class ResearchScreen(LiveScreen):
    AUTO_FOCUS = "#rs-template"
    DEFAULT_CSS = """
    ResearchScreen .bt-form { height: 1; padding: 0 1; }
    ResearchScreen .bt-form Input { width: 1fr; margin-right: 1; }
    ResearchScreen #rs-params { width: 3fr; }
    ResearchScreen #rs-anchored { width: auto; }
    ResearchScreen .bt-form Button { margin-left: 1; min-width: 8; }
    ResearchScreen #rs-tabs { height: 1fr; }
    ResearchScreen #rs-tabs TabPane { padding: 0; }
    ResearchScreen #rs-tabs DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "start", "Start sweep / walk-forward"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status_text = "fill the form and press ctrl+r (train and test: a walk-forward)"
        self.job: dict[str, Any] | None = None
        """The sweep or walk-forward job last started here, as last read."""
        self.shown: tuple[str, int] | None = None  # ("sweep" | "walkforward", id)
        self.shown_sweep: int | None = None  # whose variants are in the Variants tab
        self.variants: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.rerun_job: dict[str, Any] | None = None
        self.opened_run: int | None = None  # the backtest a variant was opened as

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        with Horizontal(classes="bt-form"):
            yield Input(placeholder="template", id="rs-template", compact=True)
            yield Input(placeholder="candle file (daemon side)", id="rs-data", compact=True)
            yield Input(placeholder="from", id="rs-from", compact=True,
                        tooltip="ISO date/time (UTC) or epoch ms")
            yield Input(placeholder="to", id="rs-to", compact=True, tooltip="exclusive end")
            yield Input(placeholder="cash (10000)", id="rs-cash", compact=True)
        with Horizontal(classes="bt-form"):
            yield Input(placeholder="params, e.g. price_vs_ema.period=20:60:10 "
                        "stop.stop_pct=1,2", id="rs-params", compact=True)
            yield Input(placeholder="objective (sharpe)", id="rs-objective", compact=True)
            yield Input(placeholder="random N", id="rs-n", compact=True,
                        tooltip="try N grid points drawn at random (empty: the whole grid)")
            yield Input(placeholder="min trades (10)", id="rs-min-trades", compact=True)
        with Horizontal(classes="bt-form"):
            yield Input(placeholder="train (90d)", id="rs-train", compact=True,
                        tooltip="walk-forward: the in-sample span; with test, ctrl+r starts "
                        "a walk-forward")
            yield Input(placeholder="test (30d)", id="rs-test", compact=True)
            yield Input(placeholder="gap (1d)", id="rs-gap", compact=True)
            yield Input(placeholder="step (= test)", id="rs-step", compact=True)
            yield Checkbox("anchored", id="rs-anchored", compact=True,
                           tooltip="in-sample always from the data's start, growing")
            yield Button("Start", id="rs-start", variant="primary", compact=True)
        yield Static(self.status_text, id="rs-status", markup=False)
        with TabbedContent(id="rs-tabs"):
            with TabPane("Runs", id="tab-runs"):
                yield Label("Sweeps and walk-forwards (enter: open)", classes="section")
                yield _table("rs-runs", RUN_COLUMNS)
            with TabPane("Variants", id="tab-variants"):
                yield Label("Variants, best first (enter: run it alone as a backtest)",
                            id="rs-variants-title", classes="section")
                yield _table("rs-variants", VARIANT_COLUMNS)
            with TabPane("Out-of-sample", id="tab-oos"):
                yield OosView(id="rs-oos")
            with TabPane("Heatmap", id="tab-heatmap"):
                yield HeatmapView(id="rs-heatmap")
        yield Footer()

    def _say(self, text: str) -> None:
        self.status_text = text
        self.query_one("#rs-status", Static).update(text)

    def form(self) -> tuple[str, dict[str, Any]]:
        values = {name: self.query_one(f"#rs-{name}", Input).value.strip()
                  for name in FORM_FIELDS}
        return form_spec(values, self.query_one("#rs-anchored", Checkbox).value)

    # ----- launching and following a job -----------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "rs-start":
            self.action_start()

    def action_start(self) -> None:
        if self.job is not None and self.job["state"] == "running":
            self._say(f"{self.job['kind']} job {self.job['job_id']} is still running")
            return
        self.run_worker(self._start(), group="research", exclusive=True)

    async def _start(self) -> None:
        kind, spec = self.form()
        start = api.start_walkforward if kind == "walkforward" else api.start_sweep
        try:
            job = await start(self.client, spec)
        except PlutarcError as exc:
            self._say(f"refused: {exc}")
            return
        self.job = job
        self._say(job_line(job))
        if kind == "walkforward":
            self.query_one(OosView).windows([], 0, 0)
            self.query_one(TabbedContent).active = "tab-oos"
        await self._follow(job["job_id"])

    async def _follow(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                self.job = job = await api.job(self.client, job_id)
            except PlutarcError as exc:
                self._say(f"lost job {job_id}: {exc}")
                return
            self._say(job_line(job))
            if job["kind"] == "walkforward":
                self.query_one(OosView).windows(job["windows"], job["windows_done"],
                                                job["windows_total"])
            if job["state"] != "running":
                break
        self.reload()
        if job["state"] == "done" and job["kind"] == "walkforward":
            await self._open("walkforward", int(job["walkforward_id"]))
        elif job["state"] == "done":
            await self._open("sweep", int(job["sweep_id"]))

    async def load(self) -> None:
        """The stored runs, newest walk-forwards first; the newest is opened once."""
        (walks, _jobs), (sweeps, _) = await asyncio.gather(api.walkforwards(self.client),
                                                           api.sweeps(self.client))
        rows = [(f"w{w['id']}", walkforward_cells(w)) for w in walks]
        rows += [(f"s{s['id']}", sweep_cells(s)) for s in sweeps]
        refill(self.query_one("#rs-runs", DataTable), rows)
        if self.shown is None and (walks or sweeps):
            first = ("walkforward", walks[0]["id"]) if walks else ("sweep", sweeps[0]["id"])
            self.run_worker(self._open(*first, activate=False), group="show", exclusive=True)

    # ----- reading a stored run ---------------------------------------------------------
    async def _open(self, kind: str, run_id: int, activate: bool = True) -> None:
        self.shown = (kind, run_id)
        tabs = self.query_one(TabbedContent)
        try:
            if kind == "sweep":
                await self._show_sweep(run_id)
                if activate:
                    tabs.active = "tab-variants"
            else:
                wf = await api.walkforward(self.client, run_id)
                self.query_one(OosView).show(wf)
                if wf["windows"]:
                    await self._show_sweep(wf["windows"][0]["sweep_id"], window=0)
                if activate:
                    tabs.active = "tab-oos"
        except PlutarcError as exc:
            self._say(f"{kind} #{run_id}: {exc}")
            return
        await self._heatmap()

    async def _show_sweep(self, sweep_id: int, window: int | None = None) -> None:
        got = await api.sweep(self.client, sweep_id)
        self.shown_sweep = sweep_id
        self.variants, self.skipped = got["variants"], got["skipped"]
        rows = [(str(v["seq"]), variant_cells(v)) for v in self.variants]
        rows += [(str(s["seq"]), skipped_cells(s)) for s in self.skipped]
        refill(self.query_one("#rs-variants", DataTable), rows)
        where = (f"window {window}'s in-sample sweep #{sweep_id}" if window is not None
                 else f"sweep #{sweep_id}")
        self.query_one("#rs-variants-title", Label).update(
            f"Variants of {where}, best first (enter: run it alone as a backtest)")

    async def _heatmap(self, x: str | None = None, y: str | None = None) -> None:
        view = self.query_one(HeatmapView)
        if self.shown is None:
            return
        kind, run_id = self.shown
        try:
            view.show(await api.heatmap(self.client, run_id, kind == "sweep", x, y))
        except PlutarcError as exc:
            if x is None and y is None:
                view.say(f"no heatmap for {kind} #{run_id}: {exc}")
            else:  # the heatmap on show stays; the status says why the axes were refused
                self._say(f"heatmap: {exc}")

    def on_heatmap_view_axes_changed(self, message: HeatmapView.AxesChanged) -> None:
        self.run_worker(self._heatmap(message.x, message.y), group="heatmap", exclusive=True)

    # ----- rows chosen -------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is None:
            return
        event.stop()
        table = event.data_table.id
        if table == "rs-runs":
            kind = "walkforward" if key.startswith("w") else "sweep"
            self.run_worker(self._open(kind, int(key[1:])), group="show", exclusive=True)
        elif table == "oos-windows":
            window = self.query_one(OosView).row(key)
            if window is not None:
                self.run_worker(self._window_variants(window), group="show", exclusive=True)
        elif table == "rs-variants":
            self.open_variant(int(key))

    async def _window_variants(self, window: dict[str, Any]) -> None:
        try:
            await self._show_sweep(window["sweep_id"], window=window["index"])
        except PlutarcError as exc:
            self._say(str(exc))
            return
        self.query_one(TabbedContent).active = "tab-variants"

    def open_variant(self, seq: int) -> None:
        """Run variant ``seq`` of the sweep on show alone as a normal backtest."""
        skipped = next((s for s in self.skipped if s["seq"] == seq), None)
        if skipped is not None:
            self._say(f"variant {seq} was not run ({skipped['status']}): {skipped['message']}")
            return
        if self.shown_sweep is None:
            return
        if self.rerun_job is not None and self.rerun_job["state"] == "running":
            self._say("a variant is already running as a backtest; wait for it")
            return
        self.run_worker(self._rerun(self.shown_sweep, seq), group="rerun", exclusive=True)

    async def _rerun(self, sweep_id: int, seq: int) -> None:
        try:
            job = await api.rerun_variant(self.client, sweep_id, seq)
            self.rerun_job = job
            self._say(job_line(job))
            while job["state"] == "running":
                await asyncio.sleep(POLL_S)
                self.rerun_job = job = await api.job(self.client, job["job_id"])
        except PlutarcError as exc:
            self._say(f"variant {seq}: {exc}")
            return
        self._say(job_line(job))
        if job["state"] != "done":
            return
        self.opened_run = run_id = int(job["run_id"])
        if self.app.screen is not self:  # the user went elsewhere meanwhile: no yanking
            self.notify(f"{job_line(job)}: open it in Backtests (b, Runs tab)",
                        title="research", timeout=10)
            return
        await self.app.switch_mode("backtests")
        screen = self.app.screen
        if isinstance(screen, BacktestsScreen):
            screen.open_run(run_id)
