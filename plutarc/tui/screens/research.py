"""ResearchScreen: launch a parameter sweep in the daemon, watch it fill in, and read its
variants best first (invalid ones with the template's message). The sweep runs in the daemon
(POST /v1/research/sweeps); the screen only reads what the API serves."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Static

from plutarc.daemon import research_client as api
from plutarc.errors import PlutarcError
from plutarc.tui.screens.base import LiveScreen
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.tables import refill, selected_key

POLL_S = 0.5
SWEEP_COLUMNS = ("Id", "Kind", "Template", "Search", "Objective", "Stored", "Params")
VARIANT_COLUMNS = ("Seq", "Params", "Score", "Trades", "Net PnL", "Win rate", "Max DD %")


def _num(value: Any, digits: int = 3) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def sweep_cells(s: dict[str, Any]) -> tuple[str, ...]:
    return (str(s["id"]), s["kind"], s["template"], s.get("method") or "-",
            s.get("objective") or "-", f"{s['stored']}/{s['total']}",
            " ".join(s.get("params") or []))


def variant_cells(v: dict[str, Any]) -> tuple[str, ...]:
    params = " ".join(f"{k}={val}" for k, val in v["params"].items())
    return (str(v["seq"]), params, _num(v["score"]), str(v.get("trades", "-")),
            _num(v.get("net_pnl"), 2), _num(v.get("win_rate")),
            _num(v.get("max_drawdown_pct"), 2))


class ResearchScreen(LiveScreen):
    AUTO_FOCUS = "#rs-template"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "start", "Start sweep"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status_text = "fill the form and press ctrl+r"
        self.shown_sweep: int | None = None
        self.variants: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self._poll = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        with Horizontal(classes="bt-form"):
            yield Input(placeholder="template", id="rs-template", compact=True)
            yield Input(placeholder="candle file (daemon side)", id="rs-data", compact=True)
            yield Input(placeholder="objective (sharpe)", id="rs-objective", compact=True)
            yield Input(placeholder="random N (empty: grid)", id="rs-n", compact=True)
        with Horizontal(classes="bt-form"):
            yield Input(placeholder="params, e.g. price_vs_ema.period=20:60:10 "
                        "stop.stop_pct=1,2", id="rs-params", compact=True)
            yield Input(placeholder="min trades (10)", id="rs-min-trades", compact=True)
            yield Button("Start", id="rs-start", variant="primary", compact=True)
        yield Static(self.status_text, id="rs-status", markup=False)
        yield Label("Sweeps (enter: its variants)", classes="section")
        sweeps = DataTable(id="rs-sweeps", cursor_type="row", zebra_stripes=True)
        sweeps.add_columns(*SWEEP_COLUMNS)
        yield sweeps
        yield Label("Variants, best first", classes="section")
        variants = DataTable(id="rs-variants", cursor_type="row", zebra_stripes=True)
        variants.add_columns(*VARIANT_COLUMNS)
        yield variants
        yield Footer()

    def _say(self, text: str) -> None:
        self.status_text = text
        self.query_one("#rs-status", Static).update(text)

    def spec(self) -> dict[str, Any]:
        def text(name: str) -> str:
            return self.query_one(f"#rs-{name}", Input).value.strip()

        spec: dict[str, Any] = {
            "request": {"template": text("template"), "data": text("data") or None},
            "params": text("params").split(), "objective": text("objective") or "sharpe"}
        n, min_trades = text("n"), text("min-trades")
        if n:
            spec.update(method="random", n=int(n) if n.isdigit() else n)
        if min_trades:
            spec["min_trades"] = int(min_trades) if min_trades.isdigit() else min_trades
        return spec

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "rs-start":
            self.action_start()

    def action_start(self) -> None:
        self.run_worker(self._start(), group="research", exclusive=True)

    async def _start(self) -> None:
        try:
            job = await api.start_sweep(self.client, self.spec())
        except PlutarcError as exc:
            self._say(f"refused: {exc}")
            return
        self._say(f"sweep job {job['job_id']} started")
        self.shown_sweep = None
        if self._poll is None:
            self._poll = self.set_interval(POLL_S, self.reload)

    async def load(self) -> None:
        sweeps, jobs = await api.sweeps(self.client)
        refill(self.query_one("#rs-sweeps", DataTable),
               [(str(s["id"]), sweep_cells(s)) for s in sweeps])
        running = [j for j in jobs if j["state"] == "running"]
        if running:
            j = running[0]
            self._say(f"sweep job {j['job_id']}: {j['done']}/{j['total'] or '?'} variants")
        elif jobs:
            last = max(jobs, key=lambda j: j["job_id"])
            if last["state"] == "failed":
                self._say(f"sweep job {last['job_id']} failed: {last['error']}")
            elif last["sweep_id"] is not None and self.status_text.startswith("sweep job"):
                self._say(f"sweep #{last['sweep_id']} done: {last['total']} variants")
                self.shown_sweep = last["sweep_id"]
            if self._poll is not None:
                self._poll.stop()
                self._poll = None
        if self.shown_sweep is None and sweeps:
            self.shown_sweep = sweeps[0]["id"]
        if self.shown_sweep is not None:
            await self._show(self.shown_sweep)

    async def _show(self, sweep_id: int) -> None:
        got = await api.sweep(self.client, sweep_id)
        self.variants, self.skipped = got["variants"], got["skipped"]
        rows = [(str(v["seq"]), variant_cells(v)) for v in self.variants]
        rows += [(str(s["seq"]), (str(s["seq"]), " ".join(f"{k}={v}" for k, v in
                                                         s["params"].items()),
                                  s["status"], s["message"][:60], "", "", ""))
                 for s in self.skipped]
        refill(self.query_one("#rs-variants", DataTable), rows)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "rs-sweeps":
            key = selected_key(event.data_table)
            if key is not None:
                self.shown_sweep = int(key)
                self.reload()
