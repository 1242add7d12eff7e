"""Pilot tests of the trader's bot workflow against a real daemon: create a bot, change its risk
limits and symbols, cancel one of its orders. Bad input is marked at its field; nothing is sent."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from textual.widgets import DataTable

from plutarc.daemon.bot_config import BotSpec, RiskLimits
from plutarc.errors import PlutarcError
from plutarc.models.events import EventKind
from plutarc.tui.app import PlutarcApp
from plutarc.tui.dialogs.ask import Ask
from plutarc.tui.dialogs.bot_forms import CreateBotForm, RiskForm, SymbolsForm
from plutarc.tui.dialogs.form import FormDialog
from plutarc.tui.screens.bot_detail import BotDetailScreen
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.screens.positions import PositionsScreen
from plutarc.tui.widgets.field_row import FieldRow
from tests.tui.conftest import TEMPLATE, Daemon, spec
from tests.tui.test_fleet import app_for, cell, select, until


def row(app: PlutarcApp, key: str) -> FieldRow:
    assert isinstance(app.screen, FormDialog)
    return app.screen.field(key)


def status(app: PlutarcApp) -> str:
    return str(app.screen.query_one("#form-status").render())


async def test_create_a_bot_from_the_fleet(daemon: Daemon) -> None:
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 30)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, CreateBotForm), what="the form")
        row(app, "name").set_text("Bad Name")
        row(app, "symbols").set_text("BTCUSDT BTCUSDT")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "nothing was changed" in status(app), what="refusal")
        assert row(app, "name").error is not None
        row(app, "name").set_text("created-here")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: row(app, "symbols").error is not None, what="symbol error")
        assert "listed twice" in str(row(app, "symbols").error)
        async with daemon.client() as api:
            assert "created-here" not in {b.name for b in await api.list_bots()}
        row(app, "symbols").set_text("BTCUSDT, ETHUSDT")
        row(app, "venue").set_text("nowhere")  # the daemon judges venues: its answer is shown
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "unknown venue" in status(app), what="daemon refusal")
        assert "unknown venue" in str(row(app, "venue").error)
        row(app, "venue").set_text("idle")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen), what="form closed")
        async with daemon.client() as api:
            bot = await api.get_bot("created-here")
        assert bot.symbols == ("BTCUSDT", "ETHUSDT") and bot.mode == "paper"
        assert bot.template == "reference_ema_cross" and bot.state == "stopped"


async def test_risk_limits_and_symbols_from_the_fleet(daemon: Daemon) -> None:
    async with daemon.client() as api:
        bot = await api.create_bot(spec("limited"))
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 30)) as pilot:
        await until(pilot, lambda: not app.link and cell(app, "#fleet", bot.id, 0) == "limited")
        select(app, bot.id)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, RiskForm), what="risk form")
        assert row(app, "max_leverage").text == "3"
        row(app, "max_leverage").set_text("500")
        await pilot.pause()
        assert "out of bounds" in str(row(app, "max_leverage").error)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "nothing was sent" in status(app), what="refused")
        row(app, "max_leverage").set_text("2.5")
        row(app, "max_daily_loss").set_text("150.25")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen), what="saved")
        async with daemon.client() as api:
            risk = await api.get_risk("limited")
        assert risk == RiskLimits(max_leverage=Decimal("2.5"), max_daily_loss=Decimal("150.25"))

        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, SymbolsForm), what="symbols form")
        row(app, "symbols").set_text("BTCUSDT bad symbol!")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: row(app, "symbols").error is not None, what="field error")
        row(app, "symbols").set_text("BTCUSDT ETHUSDT")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen)
                    and cell(app, "#fleet", bot.id, 3) == "BTCUSDT ETHUSDT", what="symbols")


TARGETED = TEMPLATE.replace('name = "reference_ema_cross"', 'name = "ema_with_target"') + (
    '\n[[components]]\nid = "take_profit"\n[components.params]\ntarget_pct = 30.0\n')


async def replayed_bot_with_target(daemon: Daemon, name: str) -> tuple[Any, list[Any]]:
    """A paper bot whose replay ended holding a position with a stop and a target."""
    async with daemon.client() as api:
        await api.put_template("ema_with_target", TARGETED)
        bot = await api.create_bot(BotSpec(
            name=name, template="ema_with_target", venue="sim", mode="paper",
            symbols=("BTCUSDT",), account="speed=max;bars=400",
            risk=RiskLimits(max_leverage=Decimal(10))), start=True)
        for _ in range(300):
            if any("replay finished" in e.message for e in await api.events(
                    bot=bot.id, kinds=[EventKind.ACTIVITY], limit=1000)):
                break
            await asyncio.sleep(0.1)
        return bot, await api.orders(bot=bot.id, open_only=True)


async def test_cancel_an_order_from_the_orders_screen(daemon: Daemon) -> None:
    bot, orders = await replayed_bot_with_target(daemon, "ordered")
    target = next(o for o in orders if o.stop_price is None)
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 30)) as pilot:
        await until(pilot, lambda: not app.link and isinstance(app.screen, FleetScreen))
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PositionsScreen)
                    and target.client_id in app.screen.open_orders, what="the open orders")
        table = app.screen.query_one("#open-orders", DataTable)
        await until(pilot, lambda: target.client_id in table.rows, what="the order's row")
        table.focus()
        table.move_cursor(row=table.get_row_index(target.client_id), animate=False)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, Ask), what="the question")
        assert "ordered" in app.screen.question and target.client_id in app.screen.question
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, PositionsScreen)
                    and target.client_id not in app.screen.open_orders, what="cancelled")
    async with daemon.client() as api:
        assert target.client_id not in {o.client_id for o in
                                         await api.orders(bot=bot.id, open_only=True)}


async def test_cancel_an_order_from_the_bot_screen(daemon: Daemon) -> None:
    bot, orders = await replayed_bot_with_target(daemon, "cancelling")
    stop = next(o for o in orders if o.stop_price is not None)
    target = next(o for o in orders if o.stop_price is None)
    app = app_for(daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 30)) as pilot:
        await until(pilot, lambda: not app.link)
        app.open_bot("cancelling")
        await until(pilot, lambda: isinstance(app.screen, BotDetailScreen)
                    and len(app.screen.open_orders) == len(orders), what="open orders")
        table = app.screen.query_one("#orders", DataTable)
        table.move_cursor(row=table.get_row_index(stop.client_id), animate=False)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, Ask), what="the question")
        await pilot.press("y")
        await until(pilot, lambda: any("protective stop" in n.message
                                       for n in app._notifications), what="refusal shown")
        table = app.screen.query_one("#orders", DataTable)
        table.move_cursor(row=table.get_row_index(target.client_id), animate=False)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, Ask), what="the question")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, BotDetailScreen)
                    and target.client_id not in app.screen.open_orders
                    and stop.client_id in app.screen.open_orders, what="target cancelled")
    async with daemon.client() as api:
        with pytest.raises(PlutarcError, match="already canceled"):
            await api.cancel_order("cancelling", target.client_id)
