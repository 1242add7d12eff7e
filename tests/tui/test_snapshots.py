"""How the screens look at 80x24 (SVG snapshots; refresh with --snapshot-update after a review)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from plutarc.tui.app import make_app
from plutarc.tui.screens.backtests import BacktestsScreen
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.screens.template_editor import TemplateEditorScreen
from plutarc.tui.settings import TuiSettings
from plutarc.tui.widgets import status_bar
from plutarc.tui.widgets.field_row import FieldRow
from tests.tui.conftest import Daemon, spec
from tests.tui.test_fleet import until

SNAPSHOT_MS = 1_765_000_000_000  # the status bar's clock, so that a snapshot is the same each run


@pytest.fixture(autouse=True)
def _fixed_status_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(status_bar, "now_ms", lambda: SNAPSHOT_MS)
    monkeypatch.setattr(status_bar, "host_of", lambda _app: "vps")


def test_fleet_at_80x24(fresh_daemon: Daemon, snap_compare: Callable[..., bool]) -> None:
    daemon = fresh_daemon

    async def create() -> None:
        async with daemon.client() as api:  # stopped bots: no heartbeat age to drift
            await api.create_bot(spec("btc-trend", ("BTCUSDT",)))
            await api.create_bot(spec("eth-revert", ("ETHUSDT", "ETHBTC")))

    asyncio.run(create())
    app = make_app(TuiSettings(socket_path=daemon.paths.socket, heartbeat_refresh_s=60.0))

    async def loaded(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen)
                    and app.screen.query_one("#fleet", DataTable).row_count == 2
                    and all(str(app.screen.query_one("#fleet", DataTable).get_row_at(i)[6])
                            != "…" for i in range(2)))  # PnL read too
        await pilot.pause(0.2)  # the table measures its new rows when idle

    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded)


def test_stop_confirmation_at_80x24(fresh_daemon: Daemon,
                                    snap_compare: Callable[..., bool]) -> None:
    daemon = fresh_daemon

    async def create() -> None:
        async with daemon.client() as api:
            await api.create_bot(spec("btc-trend", ("BTCUSDT",)))

    asyncio.run(create())
    app = make_app(TuiSettings(socket_path=daemon.paths.socket, heartbeat_refresh_s=60.0))

    async def asked(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen)
                    and app.screen.query_one("#fleet", DataTable).row_count == 1
                    and str(app.screen.query_one("#fleet", DataTable).get_row_at(0)[6])
                    != "…")  # PnL read too
        await pilot.press("s")
        await until(pilot, lambda: not isinstance(app.screen, FleetScreen))

    assert snap_compare(app, terminal_size=(80, 24), run_before=asked)


@pytest.mark.xfail(strict=False, reason="the form's scroll offset at the moment of the shot "
                   "still depends on timing: 2 of 6 clean-clone runs shot it unscrolled, even "
                   "after waiting for the field to be in view; the refusal itself is checked "
                   "without a picture in test_templates.py (out of bounds refused at the field)")
def test_template_editor_with_an_out_of_bounds_value_at_80x24(
        fresh_daemon: Daemon, snap_compare: Callable[..., bool]) -> None:
    daemon = fresh_daemon
    app = make_app(TuiSettings(socket_path=daemon.paths.socket, heartbeat_refresh_s=60.0))

    async def typed(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
        app.push_screen(TemplateEditorScreen("reference_ema_cross"))
        await until(pilot, lambda: any(r.spec.key == "components.0.params.fast"
                                       for r in app.screen.query(FieldRow)))
        fast = next(r for r in app.screen.query(FieldRow)
                    if r.spec.key == "components.0.params.fast")
        fast.query_one(Input).value = "1"
        fast.scroll_visible(animate=False)
        fast.query_one(Input).focus()
        await until(pilot, lambda: fast.error is not None)
        # the form has scrolled the field into view (under load the snapshot was once taken
        # before the scroll landed, showing the top of the form)
        await until(pilot, lambda: fast.region.height > 0 and fast.region.bottom <= 24,
                    what="the fast field scrolled into view")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=typed)


def test_backtest_results_at_80x24(fresh_daemon: Daemon,
                                   snap_compare: Callable[..., bool]) -> None:
    daemon = fresh_daemon
    app = make_app(TuiSettings(socket_path=daemon.paths.socket, heartbeat_refresh_s=60.0))

    async def ran(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, BacktestsScreen)
                    and app.screen._choices_loaded)
        screen = app.screen
        assert isinstance(screen, BacktestsScreen)
        screen.query_one("#bt-template", Select).value = "reference_ema_cross"
        data = screen.query_one("#bt-data", Select)
        data.value = next(v for _label, v in data._options if "BTCUSDT" in str(v))
        for name, value in (("start", "2024-01-03"), ("end", "2024-01-04"), ("cash", "1e5")):
            screen.query_one(f"#bt-{name}", Input).value = value
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.status_text.startswith("run #"), timeout_s=30)
        screen.query_one("#bt-csv", Input).value = ""  # its default names the run directory
        screen.query_one("#bt-metrics", DataTable).focus()
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ran)
