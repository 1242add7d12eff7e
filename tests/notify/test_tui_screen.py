"""The TUI's notification screen against a real daemon: the matrix is edited in place and
a channel tested from it."""

from __future__ import annotations

from textual.widgets import DataTable

from plutarc.tui.screens.notify import NotifyScreen, next_level
from tests.daemon.conftest import DaemonProcess
from tests.notify.conftest import Webhook, add_channel, overview
from tests.tui.test_fleet import app_for, until


def test_levels_cycle_through_every_severity_and_off():
    assert [next_level(x) for x in ("off", "info", "warning", "error", "critical")] == [
        "info", "warning", "error", "critical", "off"]


async def test_the_screen_changes_a_route_and_tests_a_channel(daemon: DaemonProcess,
                                                              webhook: Webhook):
    async with daemon.client() as api:
        await add_channel(api, "phone", webhook.url())
    app = app_for(daemon, heartbeat_refresh_s=60.0)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: not app.link, what="connected")
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, NotifyScreen)
                    and app.screen.query_one("#notify-matrix", DataTable).row_count > 0,
                    what="the matrix")
        matrix = app.screen.query_one("#notify-matrix", DataTable)
        row = matrix.get_row_index("fills")
        assert str(matrix.get_cell_at((row, 1))) == "off"  # fills are off by default
        matrix.focus()
        matrix.move_cursor(row=row, column=1, animate=False)
        await pilot.press("enter")
        await until(pilot, lambda: str(matrix.get_cell_at((row, 1))) == "info *",
                    what="the new level shown")
        await pilot.press("t")
        await webhook.wait(1)
    assert "test message for channel 'phone'" in webhook.received[0]["message"]
    async with daemon.client() as api:
        routes = {(r.channel, r.kind.value): r for r in (await overview(api)).routes}
    assert routes[("phone", "fills")].level == "info" and not routes[("phone", "fills")].default
