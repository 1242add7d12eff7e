"""StopChoice: stopping a bot that holds positions - flatten them first, or leave them open."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

PositionChoice = Literal["flatten", "leave"]


def stop_question(bot_name: str, holdings: str) -> str:
    return (f"Bot {bot_name} holds {holdings}.\n"
            "Flatten: close them at market, then stop.\n"
            "Leave: stop now; they stay open at the venue, unmanaged.")


class StopChoice(ModalScreen[PositionChoice | None]):
    """Dismisses with 'flatten' or 'leave' once the bot's name is typed; Cancel and Esc: None.

    Both choices act on money, so neither button works before the name is typed, and the
    focus starts in the name field rather than on a button that Enter would press.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, bot_name: str, holdings: str) -> None:
        super().__init__()
        self.bot_name = bot_name
        self.holdings = holdings

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(stop_question(self.bot_name, self.holdings), id="question",
                         markup=False)
            yield Label(f"Type [b]{self.bot_name}[/b], then choose:")
            yield Input(placeholder=self.bot_name, id="typed")
            with Horizontal(id="buttons"):
                yield Button("Flatten", variant="error", id="flatten", disabled=True)
                yield Button("Leave open", variant="warning", id="leave", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        typed = event.value == self.bot_name
        for button_id in ("#flatten", "#leave"):
            self.query_one(button_id, Button).disabled = not typed

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter alone must not pick one of the two: a button has to be chosen

    def on_button_pressed(self, event: Button.Pressed) -> None:
        choice = event.button.id
        self.dismiss(choice if choice in ("flatten", "leave") else None)  # type: ignore[arg-type]

    def action_cancel(self) -> None:
        self.dismiss(None)
