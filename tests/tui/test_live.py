"""The daemon link (banner, reconnect, replay) and the activity and positions screens."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from plutarc.tui.link import Backoff
from plutarc.tui.screens.activity import ActivityScreen
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.screens.positions import PositionsScreen
from plutarc.tui.settings import TuiSettings
from plutarc.tui.widgets.banner import ConnectionBanner
from tests.tui.conftest import Daemon, spec
from tests.tui.test_fleet import app_for, cell, until


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(0.5, 3.0)
    assert [backoff.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_settings_refuse_a_backoff_that_cannot_work(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="reconnect_initial_s"):
        TuiSettings(socket_path=tmp_path / "s", reconnect_initial_s=5, reconnect_max_s=1)


async def test_banner_while_the_daemon_is_away_then_reconnects_by_itself(
        fresh_daemon: Daemon) -> None:
    daemon = fresh_daemon
    async with daemon.client() as api:
        bot = await api.create_bot(spec("phoenix"), start=True)
    app = app_for(daemon, reconnect_initial_s=0.1, reconnect_max_s=0.4,
                  heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FleetScreen)
                    and cell(app, "#fleet", bot.id, 1) == "online", what="online")
        banner = app.screen.query_one(ConnectionBanner)
        assert not banner.display or banner.has_class("-hidden")

        daemon.stop()
        await until(pilot, lambda: app.link.startswith("daemon unreachable"), what="banner")
        assert not app.screen.query_one(ConnectionBanner).has_class("-hidden")
        assert "retrying in" in app.link

        daemon.spawn()  # same home: the bot is restored and comes back online
        await daemon.answering()
        await until(pilot, lambda: app.link == "", timeout_s=20, what="reconnected")
        assert app.screen.query_one(ConnectionBanner).has_class("-hidden")
        async with daemon.client() as api:
            await api.bot_action("phoenix", "pause")
        await until(pilot, lambda: cell(app, "#fleet", bot.id, 1) == "paused",
                    what="events flow again after the reconnect")


async def test_activity_shows_events_live_and_filters_by_bot(daemon: Daemon) -> None:
    async with daemon.client() as api:
        await api.create_bot(spec("loud"), start=True)
        await api.create_bot(spec("quiet"))
    app = app_for(daemon)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
        def messages() -> list[str]:
            table = app.screen.query_one("#events", DataTable)
            return [str(table.get_row_at(i)[4]) for i in range(table.row_count)]

        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActivityScreen)
                    and any("loud: created" in m for m in messages()), what="stored events")

        async with daemon.client() as api:
            await api.bot_action("loud", "pause")
        await until(pilot, lambda: any("loud: online -> paused" in m for m in messages()),
                    what="a live event")

        app.screen.query_one("#bot-filter", Input).value = "quiet"
        await pilot.click("#bot-filter")
        await pilot.press("enter")
        await until(pilot, lambda: messages() and all("quiet" in m for m in messages()),
                    what="only quiet's events")
        async with daemon.client() as api:
            await api.bot_action("loud", "resume")
            await api.bot_action("quiet", "start")
        await until(pilot, lambda: any("quiet: " in m and "deploying" in m
                                       for m in messages()), what="quiet's live event")
        assert all("loud" not in m for m in messages())


async def test_positions_screen_lists_nothing_for_flat_idle_bots(daemon: Daemon) -> None:
    async with daemon.client() as api:
        await api.create_bot(spec("flat"), start=True)
    app = app_for(daemon)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PositionsScreen), what="positions")
        await pilot.pause(0.3)
        tables = [app.screen.query_one(t, DataTable) for t in ("#all-positions", "#open-orders")]
        assert [str(t.get_row_at(i)[0]) for t in tables for i in range(t.row_count)] == []


async def test_switching_screens_while_a_bot_trades_never_crashes_or_duplicates_rows(
        fresh_daemon: Daemon) -> None:
    """Events streaming in while the Activity screen loads used to crash the TUI with
    DuplicateKey (4 of 4 tries with a trading bot)."""
    from pathlib import Path

    from plutarc.daemon.bot_config import BotSpec

    repo = Path(__file__).resolve().parents[2]
    async with fresh_daemon.client() as api:
        await api.put_template("scalp_1m", (repo / "configs/templates/scalp_1m.toml").read_text())
        await api.create_bot(BotSpec(
            name="busy", template="scalp_1m", venue="sim", mode="paper",
            account="speed=max;bars=3000", symbols=("BTCUSDT",)), start=True)
    app = app_for(fresh_daemon)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
        for round_ in range(6):
            for key in ("a", "o", "a", "f", "a", "e", "a", "b"):
                await pilot.press(key)
                await pilot.pause(0.02 * (round_ % 3))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActivityScreen), what="activity")
        await pilot.pause(0.5)
        table = app.screen.query_one("#events", DataTable)
        keys = [int(str(k.value)) for k in table.rows]
        assert keys, "the activity screen shows events"
        assert len(keys) == len(set(keys)) and keys == sorted(keys)
        async with fresh_daemon.client() as api:
            assert (await api.events(bot="busy", limit=5)) != []  # bot and daemon alive
    assert app.return_code in (None, 0)
