"""The backtests screen against a real daemon: launch from the form, progress, results, export."""

from __future__ import annotations

import csv
from pathlib import Path

from textual.widgets import Checkbox, DataTable, Input, ProgressBar, Select, TabbedContent

from plutarc.tui.app import PlutarcApp
from plutarc.tui.screens.backtests import BacktestsScreen
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.screens.templates import TemplatesScreen
from plutarc.tui.widgets.run_charts import EquityDates
from tests.tui.conftest import Daemon
from tests.tui.test_fleet import app_for, until


def status(app: PlutarcApp) -> str:
    return app.screen.status_text if isinstance(app.screen, BacktestsScreen) else ""


async def open_form(app: PlutarcApp, pilot) -> BacktestsScreen:  # noqa: ANN001
    await until(pilot, lambda: not app.link
                and isinstance(app.screen, FleetScreen | TemplatesScreen))
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
        assert screen.query_one("#bt-equity", EquityDates).points == len(run["equity"]["equity"])
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


async def test_an_edited_template_is_backtested_from_the_form(daemon: Daemon) -> None:
    from plutarc.tui.template_form import renamed_toml
    from tests.tui.conftest import TEMPLATE
    from tests.tui.test_templates import field, open_editor, type_into
    from tests.tui.test_templates import status as editor_status

    async with daemon.client() as api:
        await api.put_template("bt-edit", renamed_toml(TEMPLATE, "bt-edit"))
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(app, pilot, "bt-edit")
        await type_into(pilot, field(app, "components.0.params.fast"), "13")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "v1 -> v2" in editor_status(app), what="saved")
        await pilot.press("escape")

        screen = await open_form(app, pilot)
        picker = screen.query_one("#bt-template", Select)
        assert ("bt-edit (stored v2)", "stored:bt-edit") in picker._options  # the new version
        fill(screen, template="stored:bt-edit", start="2024-01-03", end="2024-01-04",
             cash="100000")  # its fixed 1 BTC needs more than the default
        await pilot.press("ctrl+r")
        await until(pilot, lambda: status(app).startswith(("run #", "not started", "backtest "
                                                            "failed")), timeout_s=30,
                    what="the run's results")
        assert status(app).startswith("run #"), status(app)
        assert screen.result is not None
        run = await daemon.client().backtest_run(int(screen.result["id"]))
    assert run["template"] == "bt-edit" and "fast = 13" in run["template_toml"]
    jobs = (await daemon.client().backtests())[1]
    assert any(j["request"].get("stored_template") == "bt-edit"
               and j["request"]["template_version"] == 2 for j in jobs)


async def test_venue_candles_need_a_symbol_and_a_range(daemon: Daemon) -> None:
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(app, pilot)
        screen.query_one("#bt-template", Select).value = "scalp_1m"
        screen.query_one("#bt-data", Select).value = "venue:bitmex"
        await pilot.pause()
        assert "venue URL" in screen.query_one("#bt-path", Input).placeholder
        await pilot.press("ctrl+r")
        await until(pilot, lambda: status(app) == "not started: candles from bitmex need "
                    "symbol, from, to", what="the form's refusal")
        for name, value in (("symbol", "XBTUSD"), ("start", "2024-01-02"), ("end", "2024-01-01")):
            screen.query_one(f"#bt-{name}", Input).value = value
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "must be after start" in status(app), what="the daemon's 400")
        assert screen.job is None


async def test_the_form_runs_without_margin_checks_like_the_clis_no_margin(
        daemon: Daemon) -> None:
    """Issue 15 item 5: the form has the CLI's margin option. 1 BTC (~44,000 USDT) on 20,000
    of cash: with margin checks every entry is refused for margin, without them it trades."""
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(app, pilot)
        runs = []
        for margin in (True, False):
            fill(screen, template="reference_ema_cross", start="2024-01-03", end="2024-01-04",
                 cash="20000")
            screen.query_one("#bt-margin", Checkbox).value = margin
            before = screen.result
            await pilot.press("ctrl+r")
            await until(pilot, lambda b=before: status(app).startswith("run #")
                        and screen.result is not b, timeout_s=30, what="the run's results")
            runs.append(await daemon.client().backtest_run(int(screen.result["id"])))
    checked, unchecked = (r["metrics"] for r in runs)
    assert checked["orders_refused"]["margin"] > 0 and checked["trades"] == 0
    assert unchecked["orders_refused"] == {} and unchecked["trades"] > 0
    jobs = (await daemon.client().backtests())[1]
    assert sorted(j["request"]["enforce_margin"] for j in jobs
                  if j["request"].get("starting_cash") == 20000) == [False, True]


async def test_a_stored_run_opens_summary_first_with_its_charts_skips_and_hold_times(
        daemon: Daemon) -> None:
    import asyncio

    from plutarc.tui.backtest_view import fmt_day
    from plutarc.tui.widgets.run_charts import RunPriceChart

    async with daemon.client() as api:
        data = next(f for f in await api.data_files() if "BTCUSDT" in f.name)
        job = await api.start_backtest({"template": "reference_ema_cross", "data": data.path,
                                        "start": "2024-01-03", "end": "2024-01-05",
                                        "starting_cash": 100000})
        while job["state"] == "running":
            await asyncio.sleep(0.2)
            job = await api.backtest_job(job["job_id"])
        assert job["state"] == "done", job
        summary = await api.backtest_run(job["run_id"], trades=False)
        full = await api.backtest_run(job["run_id"])
    assert "trades" not in summary and len(full["trades"]) == summary["metrics"]["trades"] > 0
    assert summary["first_trades"] == full["trades"][:500] and "first_trades" not in full
    assert sum(h["trades"] for h in summary["holds"]) == len(full["trades"])
    marks = summary["markers"]
    assert marks["trades"] == len(full["trades"]) and len(summary["price"]["close"]) > 0
    assert len(marks["entries"]) == len(marks["exits"]) == -(-len(full["trades"])
                                                             // marks["every"])

    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(app, pilot)
        runs = screen.query_one("#bt-runs", DataTable)
        key = str(job["run_id"])
        await until(pilot, lambda: key in runs.rows, what="the run in the Runs list")
        cells = [str(c) for c in runs.get_row(key)]
        assert cells[2] == summary["data_file"] and cells[2].endswith((".csv", ".gz", ".parquet"))
        assert cells[3] == "BTCUSDT" and cells[4] == "2024-01-03" == fmt_day(summary["start_ms"])
        assert cells[5] == fmt_day(summary["end_ms"])

        screen.open_run(job["run_id"])
        await until(pilot, lambda: status(app).startswith("run #"), what="the run shown")
        price = screen.query_one("#bt-price", RunPriceChart)
        trades = len(full["trades"])
        assert price.points == len(summary["price"]["close"])
        assert price.markers_drawn == len(marks["entries"]) + len(marks["exits"])
        skips = screen.query_one("#bt-skips", DataTable)
        assert skips.row_count == len(summary["metrics"]["skip_reasons"]) > 0
        holds = screen.query_one("#bt-holds", DataTable)
        assert holds.row_count == 7
        assert sum(int(str(holds.get_row_at(i)[1]).replace(",", ""))
                   for i in range(7)) == trades
        table = screen.query_one("#bt-trades", DataTable)
        assert table.row_count == trades

        screen.query_one(TabbedContent).active = "tab-trades"
        table.focus()
        table.move_cursor(row=1, column=0, animate=False)
        await pilot.press("enter")  # the price chart zooms to that trade
        await until(pilot, lambda: screen.query_one(TabbedContent).active == "tab-price",
                    what="zoomed")
        second = full["trades"][1]
        assert 0 < price.points < len(summary["price"]["close"])
        assert price.markers_drawn >= 2  # its entry and exit at least
        assert price.title_text.startswith(f"trade #{second['seq']} {second['direction']}")
        await pilot.press("z")
        assert price.points == len(summary["price"]["close"])
