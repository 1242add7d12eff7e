"""The Research screen against a real daemon: a sweep from the form, its progress, its
variants best first with the invalid ones and their message; a bad form says why."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.screens.research import ResearchScreen
from tests.helpers import BTC_1M
from tests.tui.conftest import Daemon
from tests.tui.test_fleet import app_for, until


def _fill(screen: ResearchScreen, **values: str) -> None:
    for name, value in values.items():
        screen.query_one(f"#rs-{name}", Input).value = value


async def test_a_sweep_runs_from_the_form_and_its_variants_show(daemon: Daemon) -> None:
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, ResearchScreen), what="research")
        screen = app.screen
        assert isinstance(screen, ResearchScreen)
        _fill(screen, template="trend_following", data=str(BTC_1M), objective="net",
              params="nosuch.period=1,2")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.status_text.startswith("refused"), what="refusal")
        assert "nosuch" in screen.status_text
        assert screen.query_one("#rs-sweeps", DataTable).row_count == 0
        _fill(screen, params="price_vs_ema.period=20,40 threshold=0.3,2", **{"min-trades": "1"})
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "done" in screen.status_text, timeout_s=60, what="sweep")
        await until(pilot, lambda: screen.query_one("#rs-variants", DataTable).row_count == 4,
                    what="variants")
        assert len(screen.variants) == 2 and len(screen.skipped) == 2
        scores = [v["score"] for v in screen.variants]
        assert scores == sorted(scores, reverse=True)
        assert all("threshold" in s["message"] for s in screen.skipped)
