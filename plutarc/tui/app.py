"""PlutarcApp and make_app(settings, client): the TUI as a client of one daemon."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive

from plutarc.daemon.client import DaemonClient
from plutarc.tui import actions
from plutarc.tui.alerts import AlertDesk
from plutarc.tui.commands import PlutarcCommands
from plutarc.tui.link import follow_daemon
from plutarc.tui.messages import DaemonDown, DaemonEvent, DaemonUp
from plutarc.tui.screens.activity import ActivityScreen
from plutarc.tui.screens.audit import AuditScreen
from plutarc.tui.screens.backtests import BacktestsScreen
from plutarc.tui.screens.base import LiveScreen
from plutarc.tui.screens.bot_detail import BotDetailScreen
from plutarc.tui.screens.fleet import FleetScreen
from plutarc.tui.screens.help import HelpScreen
from plutarc.tui.screens.notify import NotifyScreen
from plutarc.tui.screens.positions import PositionsScreen
from plutarc.tui.screens.research import ResearchScreen
from plutarc.tui.screens.templates import TemplatesScreen
from plutarc.tui.screens.trades import TradesScreen
from plutarc.tui.settings import TuiSettings
from plutarc.tui.specs import SpecBook

SCREENS = Binding.Group("screens", compact=True)


class PlutarcApp(App[None]):
    CSS_PATH = "plutarc.tcss"
    TITLE = "plutarc"
    COMMANDS = App.COMMANDS | {PlutarcCommands}
    MODES: ClassVar[dict[str, type[LiveScreen]]] = {
        "fleet": FleetScreen, "activity": ActivityScreen, "positions": PositionsScreen,
        "templates": TemplatesScreen, "backtests": BacktestsScreen, "audit": AuditScreen,
        "trades": TradesScreen, "research": ResearchScreen,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        # One footer entry for the five screens, so a screen's own keys still fit in 80 columns
        Binding("f", "switch_mode('fleet')", "Fleet", group=SCREENS),
        Binding("a", "switch_mode('activity')", "Activity", group=SCREENS),
        Binding("o", "switch_mode('positions')", "Orders", group=SCREENS),
        Binding("e", "switch_mode('templates')", "Templates", group=SCREENS),
        Binding("b", "switch_mode('backtests')", "Backtests", group=SCREENS),
        Binding("u", "switch_mode('audit')", "Audit", group=SCREENS),
        Binding("h", "switch_mode('trades')", "Trades", group=SCREENS),
        Binding("g", "switch_mode('research')", "Research", show=False),  # in the help
        Binding("ctrl+k", "panic", "Kill switch", show=False),  # the fleet's footer shows it
        Binding("w", "notifications", "Notify", show=False),  # listed in the help
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    link: reactive[str] = reactive("")
    """'' while the daemon answers; otherwise what the banner says."""

    def __init__(self, settings: TuiSettings, client: DaemonClient) -> None:
        super().__init__()
        self.settings = settings
        self.client = client
        self.link = f"connecting to the daemon at {settings.socket_path} ..."
        self.daemon_version = ""
        self.daemon_host = ""
        self.specs = SpecBook()  # each bot's tick, lot and currency, for every screen
        self.alerts = AlertDesk(self)  # toasts and the status bar's PnL and alert count

    def on_mount(self) -> None:
        if self.settings.where:
            self.title = f"plutarc @ {self.settings.where}"
        self.switch_mode("fleet")
        self.run_worker(follow_daemon(self.client, self.settings, self.post_message),
                        name="daemon-stream", group="stream", exit_on_error=False)

    async def on_unmount(self) -> None:
        await self.client.close()

    # ----- the daemon link: state here, data handed to the screen on top -----------------
    def on_daemon_up(self, message: DaemonUp) -> None:
        self.link = ""
        self.daemon_version = message.status.plutarc_version
        self.daemon_host = message.status.host
        self.alerts.refresh_pnl()
        self._to_screen(DaemonUp(message.status))

    def on_daemon_down(self, message: DaemonDown) -> None:
        self.link = f"{message.reason} - retrying in {message.retry_in_s:g} s"

    def on_daemon_event(self, message: DaemonEvent) -> None:
        self.alerts.event_arrived(message.record)
        self._to_screen(DaemonEvent(message.record))

    async def load_pnl(self) -> list[Any]:
        """PnL rows per bot and symbol (GET /v1/pnl); the status bar's total follows."""
        return await self.alerts.load_pnl()

    def _to_screen(self, message: DaemonUp | DaemonEvent) -> None:
        if self.screen_stack:  # empty while the app shuts down
            self.screen.post_message(message)

    # ----- actions used by screens and the command palette ------------------------------
    def open_bot(self, name: str) -> None:
        self.push_screen(BotDetailScreen(name))

    def bot_action(self, name: str, action: str) -> None:
        self.run_worker(actions.perform(self, name, action), group="actions")

    def change_mode(self, name: str) -> None:
        self.run_worker(actions.change_mode(self, name), group="actions")

    def action_panic(self) -> None:
        self.run_worker(actions.panic(self), group="actions")

    def action_notifications(self) -> None:
        if not isinstance(self.screen, NotifyScreen):
            self.push_screen(NotifyScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def make_app(settings: TuiSettings, client: DaemonClient | None = None) -> PlutarcApp:
    """The app for ``settings``; tests pass their own client, the CLI lets it be made here."""
    token = os.environ.get("PLUTARC_TOKEN") or None  # an access token, when not the owner
    return PlutarcApp(settings, client or DaemonClient(settings.socket_path, token=token))
