"""The backtests screen against a real daemon: launch from the form, progress, results, export."""

from __future__ import annotations

import csv
from pathlib import Path

from textual.widgets import DataTable, Input, ProgressBar, Select, TabbedContent

from plutarc.tui.app import PlutarcApp
from plutarc.tui.screens.backtests import BacktestsScreen
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.widgets.series_chart import SeriesChart
from tests.tui.conftest import Daemon
from tests.tui.test_fleet import app_for, until


def status(app: PlutarcApp) -> str:
    return app.screen.status_text if isinstance(app.screen, BacktestsScreen) else ""


async def open_form(app: PlutarcApp, pilot) -> BacktestsScreen:  # noqa: ANN001
    await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
    await pilot.press("b")
    await until(pilot, lambda: isinstance(app.screen, BacktestsScreen)
                and app.screen._choices_loaded, what="the form's choices")
    screen = app.screen
    assert isinstance(screen, BacktestsScreen)
    return screen


def fill(screen: BacktestsScreen, **values: str) -> None:
    screen.query_one("#bt-template", Select).value = values.pop("template")
    data = screen.query_one("#bt-data", Select)
    data.value = next(v for _label, v in data._options if "BTCUSDT" in str(v))
    for name, value in values.items():
        screen.query_one(f"#bt-{name}", Input).value = value


async def test_a_backtest_runs_from_the_form_to_its_metrics_and_exports_sorted_trades(
        daemon: Daemon, tmp_path: Path) -> None:
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(app, pilot)
        fill(screen, template="reference_ema_cross", start="2024-01-03", end="2024-01-04",
             cash="100000")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: status(app).startswith("run #"), timeout_s=30,
                    what="the run's results")
        assert screen.query_one("#bt-progress", ProgressBar).percentage == 1.0
        assert screen.query_one(TabbedContent).active == "tab-metrics"
        metrics = screen.query_one("#bt-metrics", DataTable)
        shown = {str(metrics.get_row_at(i)[c]): str(metrics.get_row_at(i)[c + 1])
                 for i in range(metrics.row_count) for c in (0, 2)}
        run = await daemon.client().backtest_run(int(screen.result["id"]))  # type: ignore[index]
        trades = run["metrics"]["trades"]
        assert trades > 0 and shown["Trades"] == str(trades)
        assert shown["Net PnL"] == f"{run['metrics']['net_pnl']:,.2f}"
        assert screen.query_one("#bt-equity", SeriesChart).points == len(run["equity"]["equity"])
        assert screen.query_one("#bt-regimes", DataTable).row_count >= 1
        table = screen.query_one("#bt-trades", DataTable)
        assert table.row_count == trades

        screen.sort_by("net_pnl")
        screen.sort_by("net_pnl")  # again: descending
        first = float(str(table.get_row_at(0)[7]).replace(",", ""))
        last = float(str(table.get_row_at(table.row_count - 1)[7]).replace(",", ""))
        assert first >= last

        out = tmp_path / "trades.csv"
        screen.query_one("#bt-csv", Input).value = str(out)
        await pilot.press("ctrl+e")
        await until(pilot, lambda: "trades written to" in status(app), what="export")
        rows = list(csv.DictReader(out.open()))
        assert len(rows) == trades
        pnls = [float(r["net_pnl"]) for r in rows]
        assert pnls == sorted(pnls, reverse=True)  # as shown


async def test_a_bad_request_says_why_and_starts_nothing(daemon: Daemon) -> None:
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(app, pilot)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: status(app) == "not started: pick a template", what="form")
        fill(screen, template="reference_ema_cross", start="2031-01-01", end="2031-01-02")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: status(app).startswith("backtest failed:"), timeout_s=20,
                    what="the daemon's refusal")
        assert screen.result is None
