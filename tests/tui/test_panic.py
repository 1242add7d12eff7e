"""The kill switch from the TUI against a real daemon: nothing without the typed word."""

from __future__ import annotations

from plutarc.tui.dialogs.confirm import TypedConfirm
from plutarc.tui.screens.fleet import FleetScreen
from tests.tui.conftest import Daemon, spec
from tests.tui.test_fleet import app_for, cell, until


async def test_kill_switch_asks_for_the_word_then_halts_every_bot(fresh_daemon: Daemon) -> None:
    daemon = fresh_daemon
    async with daemon.client() as api:
        one = await api.create_bot(spec("k-one"), start=True)
        two = await api.create_bot(spec("k-two"), start=True)
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and not app.link
                    and cell(app, "#fleet", one.id, 1) == "online"
                    and cell(app, "#fleet", two.id, 1) == "online", what="online")
        await pilot.press("ctrl+k")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="confirmation")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen), what="cancelled")
        async with daemon.client() as api:
            assert {b.state for b in await api.list_bots()} == {"online"}

        await pilot.press("ctrl+k")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="asked again")
        await pilot.press(*"panic", "enter")
        await until(pilot, lambda: cell(app, "#fleet", one.id, 1) == "paused"
                    and cell(app, "#fleet", two.id, 1) == "paused", what="halted")
        async with daemon.client() as api:
            bots = await api.list_bots()
        assert all(b.state == "paused" and "kill switch" in b.state_reason for b in bots)
