"""Pilot tests of the fleet and bot screens against a real daemon process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import DataTable

from plutarc.daemon.bot_config import BotSpec
from plutarc.models.events import EventKind
from plutarc.tui.app import PlutarcApp, make_app
from plutarc.tui.dialogs.confirm import TypedConfirm
from plutarc.tui.format import fmt_time
from plutarc.tui.screens.bot_detail import BotDetailScreen
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.settings import TuiSettings
from plutarc.tui.widgets.equity_chart import EquityChart
from tests.tui.conftest import REPO, Daemon, spec


async def until(pilot: Pilot[None], condition: Callable[[], object], timeout_s: float = 8.0,
                what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not met within {timeout_s} s")
        await pilot.pause(0.05)


def cell(app: PlutarcApp, table_id: str, row_key: str, column: int) -> str:
    """The cell's text, or '' while the row is not there (yet)."""
    table = app.screen.query_one(table_id, DataTable)
    return str(table.get_row(row_key)[column]) if row_key in table.rows else ""


def select(app: PlutarcApp, row_key: str) -> None:
    table = app.screen.query_one("#fleet", DataTable)
    table.move_cursor(row=table.get_row_index(row_key), animate=False)


def app_for(daemon: Daemon, **settings: object) -> PlutarcApp:
    return make_app(TuiSettings(socket_path=daemon.paths.socket, **settings),  # type: ignore[arg-type]
                    daemon.client())


async def test_fleet_shows_bots_and_pause_arrives_through_the_stream(daemon: Daemon) -> None:
    async with daemon.client() as api:
        bot = await api.create_bot(spec("alpha", ("BTCUSDT", "ETHUSDT")), start=True)
        beta = await api.create_bot(spec("beta"))
    app = app_for(daemon, heartbeat_refresh_s=60.0)  # state changes must come from events
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and not app.link
                    and cell(app, "#fleet", beta.id, 0) == "beta", what="fleet")
        row = app.screen.query_one("#fleet", DataTable).get_row(bot.id)
        assert [str(c) for c in row[:6]] == ["alpha", str(row[1]), "idle", "BTCUSDT ETHUSDT",
                                             "paper", "flat"]
        await until(pilot, lambda: cell(app, "#fleet", bot.id, 1) == "online", what="online")

        select(app, bot.id)
        await pilot.press("p")
        await until(pilot, lambda: cell(app, "#fleet", bot.id, 1) == "paused",
                    what="paused through the stream")
        async with daemon.client() as api:
            assert (await api.get_bot("alpha")).state == "paused"

        await pilot.press("r")
        await until(pilot, lambda: cell(app, "#fleet", bot.id, 1) == "online", what="resumed")


async def test_state_change_by_someone_else_shows_without_polling(daemon: Daemon) -> None:
    async with daemon.client() as api:
        bot = await api.create_bot(spec("gamma"), start=True)
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen)
                    and cell(app, "#fleet", bot.id, 1) == "online", what="online")
        async with daemon.client() as api:
            await api.bot_action("gamma", "pause")  # the CLI, say
        await until(pilot, lambda: cell(app, "#fleet", bot.id, 1) == "paused",
                    what="paused by another client")


async def test_stop_needs_the_bot_name_typed(daemon: Daemon) -> None:
    async with daemon.client() as api:
        bot = await api.create_bot(spec("delta"), start=True)
    app = app_for(daemon)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen)
                    and cell(app, "#fleet", bot.id, 1) == "online", what="online")
        select(app, bot.id)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="dialog")
        await pilot.press("escape")  # no: nothing is sent
        await until(pilot, lambda: isinstance(app.screen, FleetScreen), what="dialog gone")
        async with daemon.client() as api:
            assert (await api.get_bot("delta")).state == "online"

        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="dialog")
        await pilot.press(*"delt", "enter")  # a wrong name does not confirm
        assert isinstance(app.screen, TypedConfirm)
        await pilot.press("a", "enter")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen)
                    and cell(app, "#fleet", bot.id, 1) == "stopped", what="stopped")


async def test_bot_detail_opens_and_shows_the_bot(daemon: Daemon) -> None:
    async with daemon.client() as api:
        bot = await api.create_bot(spec("epsilon"), start=True)
    app = app_for(daemon)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen)
                    and cell(app, "#fleet", bot.id, 0) == "epsilon")
        select(app, bot.id)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, BotDetailScreen)
                    and app.screen.bot is not None, what="detail loaded")
        info = str(app.screen.query_one("#bot-info").render())
        assert "epsilon" in info and "idle/paper" in info and "BTCUSDT" in info
        assert "No decision yet." in str(app.screen.query_one("#decision").render())
        await pilot.press("p")
        await until(pilot, lambda: "paused" in str(app.screen.query_one("#bot-info").render()),
                    what="paused on the detail screen")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen), what="back")


async def test_command_palette_pauses_a_bot_by_name(daemon: Daemon) -> None:
    async with daemon.client() as api:
        bot = await api.create_bot(spec("zeta"), start=True)
    app = app_for(daemon)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen)
                    and cell(app, "#fleet", bot.id, 1) == "online", what="online")
        await pilot.press("ctrl+p")
        await pilot.press(*"pause zeta")
        await pilot.pause(0.5)  # the palette searches in the background
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen)
                    and cell(app, "#fleet", bot.id, 1) == "paused", what="paused from palette")


async def test_flatten_from_the_detail_screen_reaches_the_worker(daemon: Daemon) -> None:
    async with daemon.client() as api:
        bot = await api.create_bot(spec("eta"), start=True)
    app = app_for(daemon)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link and cell(app, "#fleet", bot.id, 1) == "online")
        app.open_bot("eta")
        await until(pilot, lambda: isinstance(app.screen, BotDetailScreen)
                    and app.screen.bot is not None, what="detail")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="dialog")
        await pilot.press(*"eta", "enter")
        await until(pilot, lambda: isinstance(app.screen, BotDetailScreen), what="dialog gone")

    async def flatten_seen() -> bool:
        async with daemon.client() as api:
            events = await api.events(bot="eta", limit=50)
        return any("flatten requested" in e.message for e in events)

    deadline = asyncio.get_running_loop().time() + 5
    while not await flatten_seen():
        assert asyncio.get_running_loop().time() < deadline, "the worker never got the flatten"
        await asyncio.sleep(0.05)


async def test_a_paper_bot_shows_its_decisions_trades_and_equity(daemon: Daemon) -> None:
    async with daemon.client() as api:
        await api.put_template("scalp_1m", (REPO / "configs/templates/scalp_1m.toml").read_text())
        bot = await api.create_bot(BotSpec(
            name="paper-scalp", template="scalp_1m", venue="sim", mode="paper",
            account="speed=max;bars=1500", symbols=("BTCUSDT",)), start=True)
    app = app_for(daemon)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link and cell(app, "#fleet", bot.id, 0))
        app.open_bot("paper-scalp")
        await until(pilot, lambda: isinstance(app.screen, BotDetailScreen)
                    and app.screen.bot is not None, what="detail")
        screen = app.screen
        await until(pilot, lambda: screen.query_one("#components", DataTable).row_count > 0
                    and screen.query_one("#trades", DataTable).row_count > 0,
                    timeout_s=20, what="decisions and trades from the paper replay")
        async with daemon.client() as api:  # the replay must end, else 'last' moves on
            deadline = asyncio.get_running_loop().time() + 20
            while not any("replay finished" in e.message for e in await api.events(
                    bot="paper-scalp", kinds=[EventKind.ACTIVITY], limit=1000)):
                assert asyncio.get_running_loop().time() < deadline, "the replay never ended"
                await pilot.pause(0.1)
            last = (await api.decisions(bot="paper-scalp", limit=1))[-1]
        await until(pilot, lambda: fmt_time(last.ts_ms) in str(
            app.screen.query_one("#decision").render()), what="the last decision")
        assert set(app.screen.query_one("#components", DataTable).rows) == set(last.components)
        decision = str(app.screen.query_one("#decision").render())
        assert last.symbol in decision and last.action in decision
        await until(pilot, lambda: screen.query_one(EquityChart).points > 0, what="equity")
