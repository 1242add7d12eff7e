"""NewTemplate: pick a template file the daemon ships and a name to store a copy under."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from plutarc.validation import check_name


def name_problem(name: str, taken: Sequence[str]) -> str | None:
    """Why ``name`` cannot be a new stored template's name, or None when it can."""
    try:
        check_name(name, "template name")
    except ValueError as exc:
        return str(exc)
    if name in taken:
        return f"a template named {name!r} is already stored: open it to edit it"
    return None


class NewTemplate(ModalScreen[tuple[str, str] | None]):
    """Dismisses with (source template, new name), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, sources: Sequence[str], taken: Sequence[str]) -> None:
        super().__init__()
        self.sources = list(sources)
        self.taken = list(taken)

    def compose(self) -> ComposeResult:
        with Vertical(id="new-template"):
            yield Label("New template from a system template")
            yield Select([(s, s) for s in self.sources], prompt="start from ...", id="source",
                         value=self.sources[0] if self.sources else Select.NULL)
            yield Input(placeholder="new name, e.g. my-trend", id="new-name")
            yield Static("", id="new-problem", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Create", variant="primary", id="create")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#new-name", Input).focus()

    def _submit(self) -> None:
        source = self.query_one("#source", Select).value
        name = self.query_one("#new-name", Input).value.strip()
        problem = ("pick the template to start from" if source is Select.NULL
                   else name_problem(name, self.taken))
        self.query_one("#new-problem", Static).update(problem or "")
        if problem is None:
            self.dismiss((str(source), name))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
