"""The Research screen against a real daemon: a sweep from the form, its progress, its
variants best first with the invalid ones and their message; a walk-forward whose windows fill
in, its out-of-sample table and heatmap on the axes picked, and a variant opened as a normal
backtest landing on its results; a bad form says why and starts nothing."""

from __future__ import annotations

from rich.console import Console
from textual.widgets import DataTable, Input, Label, Select, Static, TabbedContent

from plutarc.tui.screens.backtests import BacktestsScreen
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.screens.research import ResearchScreen
from plutarc.tui.widgets.heatmap import HeatmapView
from plutarc.tui.widgets.oos_table import OosView
from tests.helpers import BTC_1M
from tests.tui.conftest import Daemon
from tests.tui.test_fleet import app_for, until


def _fill(screen: ResearchScreen, **values: str) -> None:
    for name, value in values.items():
        screen.query_one(f"#rs-{name.replace('_', '-')}", Input).value = value


def _text(widget: Static) -> str:
    """What the widget shows, as plain text (a rich table drawn as the terminal would)."""
    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(widget.content)
    return console.export_text()


async def _research(app, pilot) -> ResearchScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
    await pilot.press("g")
    await until(pilot, lambda: isinstance(app.screen, ResearchScreen), what="research")
    screen = app.screen
    assert isinstance(screen, ResearchScreen)
    return screen


async def test_a_sweep_runs_from_the_form_and_its_variants_show(daemon: Daemon) -> None:
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _research(app, pilot)
        _fill(screen, template="trend_following", data=str(BTC_1M), objective="net",
              params="nosuch.period=1,2")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.status_text.startswith("refused"), what="refusal")
        assert "nosuch" in screen.status_text
        assert screen.query_one("#rs-runs", DataTable).row_count == 0
        _fill(screen, params="price_vs_ema.period=20,40 threshold=0.3,2", min_trades="1")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "done" in screen.status_text, timeout_s=60, what="sweep")
        await until(pilot, lambda: screen.query_one("#rs-variants", DataTable).row_count == 4,
                    what="variants")
        assert len(screen.variants) == 2 and len(screen.skipped) == 2
        scores = [v["score"] for v in screen.variants]
        assert scores == sorted(scores, reverse=True)
        assert all("threshold" in s["message"] for s in screen.skipped)
        assert screen.query_one(TabbedContent).active == "tab-variants"


# Two days of the bundled candles: nine windows of 8h in-sample, 1h gap, 4h out-of-sample.
WALK = {"template": "reference_ema_cross", "data": str(BTC_1M), "from": "2024-01-01",
        "to": "2024-01-03", "cash": "100000", "objective": "net", "min_trades": "1",
        "params": "ema_cross.fast=10,20 ema_cross.slow=40,60"}


async def test_a_walkforward_fills_in_and_a_variant_opens_as_a_backtest(daemon: Daemon) -> None:
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _research(app, pilot)
        runs = screen.query_one("#rs-runs", DataTable)
        await until(pilot, lambda: screen._loaded_once, what="runs read")
        before = runs.row_count
        _fill(screen, **WALK, train="8 hours", test="4h", gap="1h")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.status_text.startswith("refused"), what="refusal")
        assert "12h, 30d or 2w" in screen.status_text and screen.job is None
        _fill(screen, train="8h")
        await pilot.press("ctrl+r")
        oos = screen.query_one("#oos-windows", DataTable)
        seen: list[tuple[int, str]] = []
        while not screen.status_text.startswith("walk-forward #"):
            assert "failed" not in screen.status_text, screen.status_text
            seen.append((oos.row_count, screen.status_text))
            await pilot.pause(0.05)
            assert len(seen) < 1200, "walk-forward not done within 60 s"
        counts = [n for n, _ in seen]
        assert counts == sorted(counts), seen  # windows are added, never taken back
        assert any(0 < n < 9 for n in counts), seen  # some shown before the run was done
        assert any("/9 scored" in text for _, text in seen)
        view = screen.query_one(OosView)
        await until(pilot, lambda: view.walkforward is not None, what="stored walk-forward")
        assert oos.row_count == 9 and screen.shown == ("walkforward", view.walkforward["id"])
        assert screen.query_one(TabbedContent).active == "tab-oos"
        summary = _text(screen.query_one("#oos-summary", Static))
        assert "stitched out-of-sample equity 100,000.00 ->" in summary
        assert "ema_cross.fast: chosen" in summary
        await until(pilot, lambda: f"w{view.walkforward['id']}" in runs.rows, what="listed")
        assert runs.row_count > before

        heat = screen.query_one(HeatmapView)
        await until(pilot, lambda: heat.data is not None, what="heatmap")
        assert heat.data is not None
        assert (heat.data["x"], heat.data["y"], heat.data["windows"]) == (
            "ema_cross.fast", "ema_cross.slow", 9)
        grid = _text(heat.query_one("#hm-grid", Static))
        assert "median net across 9 window(s)" in grid
        assert "ema_cross.slow \\ ema_cross.fast" in grid and " 40 " in grid, grid
        assert "verdict:" in _text(heat.query_one("#hm-verdict", Static))
        heat.query_one("#hm-x", Select).value = "ema_cross.slow"  # swaps with Y
        await until(pilot, lambda: heat.data is not None and heat.data["x"] == "ema_cross.slow",
                    what="axes picked")
        assert heat.data["y"] == "ema_cross.fast" and heat.data["xs"] == [40, 60]

        oos.focus()
        await pilot.press("down", "enter")  # window 1: its in-sample variants
        await until(pilot, lambda: screen.query_one(TabbedContent).active == "tab-variants"
                    and "window 1's" in _text(screen.query_one("#rs-variants-title", Label)),
                    what="window 1's variants")
        variants = screen.query_one("#rs-variants", DataTable)
        assert variants.row_count == 4
        best = screen.variants[0]
        variants.focus()
        variants.move_cursor(row=0)
        await pilot.press("enter")
        try:
            await until(pilot, lambda: isinstance(app.screen, BacktestsScreen), timeout_s=60,
                        what="backtests screen")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; research says: {screen.status_text}") from None
        results = app.screen
        assert isinstance(results, BacktestsScreen)
        await until(pilot, lambda: results.shown_run is not None and results.trades_loaded,
                    timeout_s=20, what="the run's results")
        assert results.shown_run == screen.opened_run
        assert results.result is not None
        assert results.result["metrics"]["trades"] == best["trades"]
        assert results.result["metrics"]["net_pnl"] == best["net_pnl"]
        assert "its metrics equal the sweep's" in screen.status_text
