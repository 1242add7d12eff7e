"""Pilot tests of what a trader reads on every screen (status bar, toasts), the Audit and
Trades screens, '/' filters and column sorts, and loading indicators, on a real daemon."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import ClassVar

from textual.widgets import DataTable, Static

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.store import DaemonStore
from plutarc.models import Direction, OrderRequest, OrderType, Position, Side, Trade
from plutarc.tui.app import PlutarcApp
from plutarc.tui.screens.audit import AuditScreen
from plutarc.tui.screens.base import LiveScreen
from plutarc.tui.screens.bot_detail import BotDetailScreen
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.screens.positions import PositionsScreen
from plutarc.tui.screens.table_screen import FilterBox
from plutarc.tui.screens.trades import TradesScreen
from plutarc.tui.widgets.status_bar import StatusBar
from tests.tui.conftest import TEMPLATE_NAME, Daemon, spec
from tests.tui.test_fleet import app_for, cell, until


def sim_spec(name: str) -> BotSpec:
    # a sim bot has contract specs (tick and lot 1E-8, USDT); not started, so nothing trades
    return BotSpec(name=name, template=TEMPLATE_NAME, venue="sim", mode="paper",
                   symbols=("BTCUSDT",))


def seed(daemon: Daemon, bot_id: str) -> None:
    """Rows as a worker writes them: two closed trades, a long position, a resting stop."""
    store = DaemonStore.open(daemon.paths.database)
    try:
        for gross in ("10.25", "-3.125"):
            store.trades.insert(bot_id, Trade("BTCUSDT", Direction.LONG, Decimal("0.5"),
                                              1_000, Decimal("42000.5"), 2_000,
                                              Decimal("42010"), Decimal(gross), Decimal(0),
                                              Decimal(0), "signal"))
        store.positions.upsert(bot_id, Position("BTCUSDT", Decimal("0.25"),
                                                Decimal("41999.123456789"),
                                                unrealised_pnl=Decimal("-1.5")))
        store.orders.journal(bot_id, OrderRequest(f"{bot_id}-s1", "BTCUSDT", Side.SELL,
                                                  OrderType.STOP_MARKET, Decimal("0.25"),
                                                  stop_price=Decimal("41000"),
                                                  reduce_only=True, tag="stop"), 3_000)
    finally:
        store.close()


def bar_text(app: PlutarcApp) -> str:
    bars = app.screen.query(StatusBar)
    return bars.first().text.plain if bars else ""


def rows(app: PlutarcApp, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(table_id, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_status_bar_totals_pnl_and_toasts_alerts_on_any_screen(
        fresh_daemon: Daemon) -> None:
    async with fresh_daemon.client() as api:
        bot = await api.create_bot(sim_spec("earner"))
    seed(fresh_daemon, bot.id)
    app = app_for(fresh_daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(100, 30)) as pilot:
        # 10.25 - 3.125 closed, -1.5 open: 5.625, to USDT's cents
        await until(pilot, lambda: "PnL +5.63 USDT" in bar_text(app), what="PnL")
        assert "● live" in bar_text(app) and "UTC" in bar_text(app)
        assert app.daemon_version in bar_text(app)

        await pilot.press("o")  # an alert reaches whichever screen is up
        await until(pilot, lambda: isinstance(app.screen, PositionsScreen))
        async with fresh_daemon.client() as api:
            await api.panic(note="test")
        await until(pilot, lambda: any("KILL SWITCH" in n.message
                                       for n in app._notifications), what="toast")
        await until(pilot, lambda: f"⚠ {app.alerts.count} alert" in bar_text(app)
                    and app.alerts.count >= 1, what="alert count")


async def test_positions_and_trades_write_prices_to_tick_and_stops_with_trigger(
        fresh_daemon: Daemon) -> None:
    async with fresh_daemon.client() as api:
        bot = await api.create_bot(sim_spec("ticker"))
    seed(fresh_daemon, bot.id)
    app = app_for(fresh_daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: not app.link)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PositionsScreen)
                    and cell(app, "#open-orders", f"{bot.id}-s1", 6) != "")
        assert rows(app, "#all-positions") == [[
            "ticker", "BTCUSDT", "0.25000000", "41999.12345679", "-", "0.00 USDT",
            "-1.50 USDT"]]
        assert cell(app, "#open-orders", f"{bot.id}-s1", 6) == "stop 41000.00000000"
        await pilot.press("enter")  # the position's bot
        await until(pilot, lambda: isinstance(app.screen, BotDetailScreen))
        await pilot.press("escape")

        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, TradesScreen)
                    and app.screen.query_one("#trades-all", DataTable).row_count == 2)
        assert {r[7] for r in rows(app, "#trades-all")} == {"+10.25 USDT", "-3.13 USDT"}
        assert rows(app, "#trades-all")[0][0].startswith("1970-01-01 00:00:02")


async def test_fleet_filters_with_slash_esc_leaves_and_sort_again_reverses(
        fresh_daemon: Daemon) -> None:
    async with fresh_daemon.client() as api:
        for name in ("beta", "alpha", "gamma"):
            await api.create_bot(spec(name))
    app = app_for(fresh_daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and not app.link
                    and app.screen.query_one("#fleet", DataTable).row_count == 3)

        def names() -> list[str]:
            return [r[0] for r in rows(app, "#fleet")]

        await pilot.press("1")
        await until(pilot, lambda: names() == ["alpha", "beta", "gamma"], what="sorted")
        await pilot.press("1")
        await until(pilot, lambda: names() == ["gamma", "beta", "alpha"], what="reversed")

        await pilot.press("slash")
        assert isinstance(app.focused, FilterBox)
        await pilot.press("e", "t", "a")  # typed into the box: no bot is started or stopped
        await until(pilot, lambda: names() == ["beta"], what="filtered")
        await pilot.press("escape")
        assert isinstance(app.focused, DataTable) and names() == ["beta"]
        await until(pilot, lambda: "1 of 3 match" in str(
            app.screen.query_one("#fleet-summary", Static).content), what="summary")
        async with fresh_daemon.client() as api:
            assert all(b.state == "stopped" for b in await api.list_bots())


async def test_audit_screen_lists_changes_with_before_and_after(fresh_daemon: Daemon) -> None:
    async with fresh_daemon.client() as api:
        await api.create_bot(spec("audited"))
        await api.change_mode("audited", "testnet")
    app = app_for(fresh_daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: not app.link)
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen)
                    and app.screen.query_one("#audit", DataTable).row_count >= 2)
        table = rows(app, "#audit")
        actions = [r[2] for r in table]
        assert actions.index("bot.mode") < actions.index("bot.create")  # newest first
        mode_row = table[actions.index("bot.mode")]
        assert mode_row[3] == "audited" and "paper" in mode_row[4] and "testnet" in mode_row[4]
        await pilot.press("slash", "c", "r", "e", "a", "t", "e", "enter")
        await until(pilot, lambda: [r[2] for r in rows(app, "#audit")] == ["bot.create"])
        detail = str(app.screen.query_one("#audit-detail", Static).content)
        assert "bot.create" in detail and "before: null" in detail


class SlowScreen(LiveScreen):
    """A screen whose read waits until the test lets it finish."""

    LOADING_ON = "#slow"
    release: ClassVar[asyncio.Event]

    def compose(self):  # noqa: ANN201
        yield DataTable(id="slow")

    async def load(self) -> None:
        await self.release.wait()


async def test_a_slow_read_shows_a_loading_indicator_until_done(fresh_daemon: Daemon) -> None:
    app = app_for(fresh_daemon, heartbeat_refresh_s=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: not app.link)
        SlowScreen.release = asyncio.Event()
        app.push_screen(SlowScreen())
        await until(pilot, lambda: isinstance(app.screen, SlowScreen)
                    and any(w.loading for w in app.screen.query("#slow")),
                    what="indicator shown")
        SlowScreen.release.set()
        await until(pilot, lambda: not app.screen.query_one("#slow").loading,
                    what="indicator gone")
        assert app.focused is app.screen.query_one("#slow")  # keys reach the table again
        # the timer may fire as the read ends (its callback queued): data shown wins, or the
        # cover would stay for good and eat every key
        app.screen._slow_read()
        await pilot.pause()
        assert not app.screen.query_one("#slow").loading
