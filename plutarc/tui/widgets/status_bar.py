"""StatusBar: the top line of every screen - screen, daemon host and version, connection,
total PnL per currency, alerts since attach, and the UTC clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from plutarc.tui.format import fmt_money

if TYPE_CHECKING:
    from plutarc.tui.app import PlutarcApp

SEP = ("  ", "")


def now_ms() -> int:
    """The clock shown; tests replace it for snapshots that do not change each second."""
    return time.time_ns() // 1_000_000


def host_of(app: PlutarcApp) -> str:
    """The ssh target the TUI came through, else the host the daemon names."""
    return app.settings.where or app.daemon_host or "local"


def clock_text(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def status_line(app: PlutarcApp, screen_name: str, width: int, ms: int) -> Text:
    """The bar's text for ``width`` columns; what does not fit is cut from the middle parts,
    never the clock."""
    left = Text.assemble((f" {screen_name}", "bold"), SEP, host_of(app))
    if app.daemon_version:
        left.append(f" v{app.daemon_version}", "dim")
    left.append_text(Text.assemble(SEP, ("● live", "bold green") if not app.link
                                   else ("○ down", "bold red")))
    desk = app.alerts
    if desk.pnl:
        left.append("  PnL")
        for currency, value in desk.pnl.items():
            style = "green" if value > 0 else "red" if value < 0 else ""
            left.append(" ")
            left.append(fmt_money(value, currency), style)
    if desk.count:
        left.append_text(Text.assemble(SEP, (f"⚠ {desk.count} alert"
                                             f"{'s' if desk.count > 1 else ''}",
                                             "bold red")))
    clock = Text(f" {clock_text(ms)} ", "bold")
    room = max(0, width - clock.cell_len)
    if left.cell_len > room:
        left.truncate(max(0, room - 1))
        left.append("…")
    left.pad_right(room - left.cell_len)
    return left + clock


class StatusBar(Static):
    """Mounted on every plutarc screen (PlutarcScreen does it) in place of the header."""

    text = Text()
    """What the bar shows now (for tests and the tmux check)."""

    def on_mount(self) -> None:
        self.show()
        self.set_interval(1.0, self.show)
        self.watch(self.app, "link", lambda _text: self.show())

    def show(self) -> None:
        from plutarc.tui.app import PlutarcApp

        app = self.app
        if not isinstance(app, PlutarcApp) or not self.screen.is_current:
            return  # a screen under another one catches up when shown again (1 s)
        name = self.screen.sub_title or self.screen.title or ""
        self.text = status_line(app, name, self.size.width or app.size.width, now_ms())
        self.update(self.text)
