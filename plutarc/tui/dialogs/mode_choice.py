"""ModeChoice: pick the trading mode a stopped bot uses from its next start."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

MODES = ("paper", "testnet", "live")
MODE_MEANS = {
    "paper": "simulated fills, no venue orders",
    "testnet": "the venue's test exchange, with test keys",
    "live": "REAL orders with real money",
}


class ModeChoice(ModalScreen[str | None]):
    """Dismisses with the chosen mode, or None (Cancel, Esc, or the mode it already has)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, bot_name: str, current: str) -> None:
        super().__init__()
        self.bot_name = bot_name
        self.current = current

    def compose(self) -> ComposeResult:
        lines = [f"Mode of bot {self.bot_name} (now {self.current}); it applies at the next "
                 "start and only to a stopped bot."]
        lines += [f"  {mode:<8} {MODE_MEANS[mode]}" for mode in MODES]
        with Vertical(id="ask"):
            yield Static("\n".join(lines), id="question", markup=False)
            with Horizontal(id="buttons"):
                for mode in MODES:
                    yield Button(mode, id=f"mode-{mode}", disabled=mode == self.current,
                                 variant="error" if mode == "live" else "default")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        self.dismiss(button_id.removeprefix("mode-") if button_id.startswith("mode-") else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
