"""A screen closed while its data is still being read does not take the TUI down: the read
lands on a screen whose widgets are gone (seen in a clean-clone run: Escape on a bot's
screen right after Enter failed its load worker with NoMatches('#bot-info') and the app
exited), is dropped, and the next key still works."""

from __future__ import annotations

from plutarc.tui.screens.bot_detail import BotDetailScreen
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.screens.trades import TradesScreen
from tests.tui.conftest import Daemon
from tests.tui.test_desk import sim_spec
from tests.tui.test_fleet import app_for, until


async def test_a_read_landing_on_a_closed_bot_screen_is_dropped_and_the_tui_works_on(
        fresh_daemon: Daemon) -> None:
    async with fresh_daemon.client() as api:
        bot = await api.create_bot(sim_spec("slow-read"))
    app = app_for(fresh_daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
        detail = BotDetailScreen(bot.name)
        app.push_screen(detail)
        await until(pilot, lambda: detail.bot is not None, what="the bot's screen loaded")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen))
        await pilot.pause(0.2)
        assert detail.off_the_stack
        # the daemon's answer to a read begun before Escape arrives now: its widgets are
        # gone (NoMatches inside load), and the read ends quietly
        await detail._load_until_fresh()
        assert app.is_running and app._exception is None
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, TradesScreen), what="h opens trades")
