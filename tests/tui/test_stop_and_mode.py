"""Stopping a bot that holds a position, and changing a stopped bot's mode, from the TUI
against a real daemon: the operator's choice reaches the daemon and its audit log."""

from __future__ import annotations

import asyncio

import pytest
from textual.pilot import Pilot

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.store import BotRecord
from plutarc.errors import UsageError
from plutarc.tui.actions import _holdings_of
from plutarc.tui.app import PlutarcApp
from plutarc.tui.dialogs.confirm import TypedConfirm
from plutarc.tui.dialogs.mode_choice import ModeChoice
from plutarc.tui.dialogs.stop_choice import StopChoice
from plutarc.tui.screens.bot_detail import BotDetailScreen
from plutarc.tui.screens.fleet import FleetScreen
from tests.tui.conftest import REPO, TEMPLATE_NAME, Daemon, spec
from tests.tui.test_fleet import app_for, cell, select, until

SCALP = "scalp_1m"  # trades every few candles of the bundled BTCUSDT data
ENDS_HOLDING = "speed=max;bars=1500"  # a deterministic replay whose last candle leaves a long


def notes(app: PlutarcApp) -> str:
    return "\n".join(n.message for n in app._notifications)


async def holding(daemon: Daemon, name: str, account: str) -> BotRecord:
    """A running paper bot on the sim venue that holds a position."""
    async with daemon.client() as api:
        await api.put_template(SCALP, (REPO / "configs/templates/scalp_1m.toml").read_text())
        bot = await api.create_bot(BotSpec(name=name, template=SCALP, venue="sim",
                                           mode="paper", account=account,
                                           symbols=("BTCUSDT",)), start=True)
    await holds(daemon, bot.id)
    return bot


async def holds(daemon: Daemon, bot_id: str) -> None:
    async with daemon.client() as api:
        deadline = asyncio.get_running_loop().time() + 30
        while not await api.positions(bot=bot_id):
            assert asyncio.get_running_loop().time() < deadline, "the bot opened no position"
            await asyncio.sleep(0.02)


async def replay_done(daemon: Daemon, name: str) -> None:
    async with daemon.client() as api:
        deadline = asyncio.get_running_loop().time() + 30
        while not any("replay finished" in e.message for e in await api.events(bot=name,
                                                                               limit=200)):
            assert asyncio.get_running_loop().time() < deadline, "the replay never ended"
            await asyncio.sleep(0.1)


async def fleet_with(app: PlutarcApp, pilot: Pilot[None], bot: BotRecord) -> None:
    await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen)
                and cell(app, "#fleet", bot.id, 0) == bot.name, what="the bot on the fleet")
    select(app, bot.id)


async def audit_actions(daemon: Daemon, bot_id: str) -> list[str]:
    async with daemon.client() as api:
        return [a.action for a in await api.audit(target=bot_id)]


async def test_stop_with_a_position_can_leave_it_open(daemon: Daemon) -> None:
    bot = await holding(daemon, "stop-leave", ENDS_HOLDING)
    await replay_done(daemon, "stop-leave")  # the position stays: nothing is left to replay
    async with daemon.client() as api:
        [position] = await api.positions(bot=bot.id)
        # The TUI asks when it saw a position; one opened after it looked comes back as this
        # refusal (nothing changed), and the dialog then shows what the daemon named.
        with pytest.raises(UsageError, match="open positions") as refused:
            await api.stop_bot(bot.id)
    assert _holdings_of(refused.value) == f"BTCUSDT {position.qty}"
    assert _holdings_of(UsageError("something else")) == "open positions"
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await fleet_with(app, pilot, bot)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, StopChoice), what="the choice")
        question = str(app.screen.query_one("#question").render())
        assert f"BTCUSDT {position.qty.normalize()}" in question.replace("\n", " ")
        await pilot.press("escape")  # cancel: nothing is sent
        await until(pilot, lambda: isinstance(app.screen, FleetScreen), what="cancelled")
        assert "stop stop-leave: cancelled" in notes(app)

        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, StopChoice), what="asked again")
        await pilot.click("#leave")  # disabled until the name is typed
        assert isinstance(app.screen, StopChoice)
        await pilot.press(*"stop-leave", "enter")  # Enter alone does not choose
        assert isinstance(app.screen, StopChoice)
        await pilot.click("#leave")
        await until(pilot, lambda: cell(app, "#fleet", bot.id, 1) == "stopped", what="stopped")
        await until(pilot, lambda: "positions left open at the venue" in notes(app))
    async with daemon.client() as api:
        assert [p.qty for p in await api.positions(bot=bot.id)] == [position.qty]
    assert (await audit_actions(daemon, bot.id))[-2:] == ["bot.stop", "bot.stop.leave"]


async def test_stop_with_a_position_can_flatten_it_first(daemon: Daemon) -> None:
    bot = await holding(daemon, "stop-flat", "speed=300;bars=6000")  # still replaying
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await fleet_with(app, pilot, bot)
        for _attempt in range(5):  # a scalp can close by itself while the dialog is up
            await holds(daemon, bot.id)
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, StopChoice | TypedConfirm),
                        what="a dialog")
            if isinstance(app.screen, TypedConfirm):  # flat again when the TUI looked
                await pilot.press("escape")
                continue
            await pilot.press(*"stop-flat")
            await pilot.click("#flatten")
            await until(pilot, lambda: cell(app, "#fleet", bot.id, 1) == "stopped",
                        timeout_s=15, what="flattened and stopped")
            if "bot.stop.flatten" in await audit_actions(daemon, bot.id):
                break
            async with daemon.client() as api:  # it went flat just before: once more
                await api.bot_action(bot.id, "start")
            await until(pilot, lambda: cell(app, "#fleet", bot.id, 1) == "online")
        else:
            raise AssertionError("no attempt found the bot holding a position")
        assert "its positions closed first" in notes(app)
    async with daemon.client() as api:
        assert await api.positions(bot=bot.id) == []
        row = next(a for a in await api.audit(target=bot.id) if a.action == "bot.stop.flatten")
        # What closed it may be the flatten or the candle's own exit that came first: either
        # way the daemon waited for flat before stopping, and recorded the choice.
        assert row.who and row.before["positions"] and row.after["positions"] == []


async def test_a_stopped_bot_changes_mode_and_live_needs_its_name(daemon: Daemon) -> None:
    async with daemon.client() as api:
        bot = await api.create_bot(spec("mode-idle"))  # created stopped
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await fleet_with(app, pilot, bot)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, ModeChoice), what="the modes")
        assert app.screen.query_one("#mode-paper").disabled  # what it has already
        await pilot.click("#mode-testnet")
        await until(pilot, lambda: cell(app, "#fleet", bot.id, 4) == "testnet",
                    what="testnet on the fleet")
        assert "mode mode-idle: paper -> testnet" in notes(app)

        app.open_bot("mode-idle")
        await until(pilot, lambda: isinstance(app.screen, BotDetailScreen)
                    and app.screen.bot is not None, what="detail")
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, ModeChoice), what="the modes")
        await pilot.click("#mode-live")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="typed name")
        await pilot.press("escape")
        await until(pilot, lambda: "cancelled, still testnet" in notes(app))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, ModeChoice), what="the modes")
        await pilot.click("#mode-live")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="typed name")
        await pilot.press(*"mode-idle", "enter")
        await until(pilot, lambda: "testnet -> live" in notes(app), what="live")
        await until(pilot, lambda: "idle/live" in str(app.screen.query_one("#bot-info")
                                                       .render()), what="live on the detail")
    async with daemon.client() as api:
        assert (await api.get_bot(bot.id)).mode == "live"
    assert (await audit_actions(daemon, bot.id)).count("bot.mode") == 2


async def test_mode_refusals_are_shown_and_change_nothing(daemon: Daemon) -> None:
    async with daemon.client() as api:
        sim = await api.create_bot(BotSpec(name="mode-sim", template=TEMPLATE_NAME, venue="sim",
                                           mode="paper", account="speed=max;bars=10",
                                           symbols=("BTCUSDT",)))
        running = await api.create_bot(spec("mode-running"), start=True)
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await fleet_with(app, pilot, sim)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, ModeChoice), what="the modes")
        await pilot.click("#mode-testnet")
        await until(pilot, lambda: "which only trades on paper" in notes(app),
                    what="the paper-only refusal")
        assert isinstance(app.screen, FleetScreen)

        await until(pilot, lambda: cell(app, "#fleet", running.id, 1) == "online")
        select(app, running.id)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, ModeChoice), what="the modes")
        await pilot.click("#mode-testnet")
        await until(pilot, lambda: "stop it first" in notes(app), what="the running refusal")
    async with daemon.client() as api:
        assert (await api.get_bot(sim.id)).mode == "paper"
        assert (await api.get_bot(running.id)).mode == "paper"
    assert "bot.mode" not in await audit_actions(daemon, sim.id)
