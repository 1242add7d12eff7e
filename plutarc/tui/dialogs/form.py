"""FormDialog: a modal of field rows that sends its values to the daemon and stays open on a
refusal, showing the problem at the field it names (or under the form)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from plutarc.errors import PlutarcError
from plutarc.tui.template_form import FieldError, FieldSpec
from plutarc.tui.widgets.field_row import FieldRow


class FormDialog(ModalScreen[bool]):
    """Subclasses give the rows and implement ``submit``; True once the daemon took it.

    ``submit`` raises FieldError(key, message) for one field, PlutarcError for the daemon's
    refusal (shown at the field whose name the message starts with, else under the form).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, title: str, rows: list[tuple[FieldSpec, Any]], save: str = "Save") -> None:
        super().__init__()
        self.form_title = title
        self.rows = rows
        self.save_label = save
        self.sending = False

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="form-dialog"):
            yield Label(self.form_title, id="form-title", markup=False)
            for spec, value in self.rows:
                yield FieldRow(spec, value)
            yield Static("", id="form-status", markup=False)
            with Horizontal(id="buttons"):
                yield Button(self.save_label, variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query(".field-editor").first().focus()

    def field(self, key: str) -> FieldRow:
        return next(r for r in self.query(FieldRow) if r.spec.key == key)

    def values(self) -> dict[str, Any] | None:
        """Every field parsed (problems shown at their fields), or None when any is wrong."""
        values: dict[str, Any] = {}
        bad = False
        for row in self.query(FieldRow):
            try:
                values[row.spec.key] = row.value()
            except FieldError:
                bad = True
        return None if bad else values

    def status(self, text: str, error: bool = False) -> None:
        line = self.query_one("#form-status", Static)
        line.update(text)
        line.set_class(error, "-invalid")

    def action_save(self) -> None:
        if self.sending:
            return
        values = self.values()
        if values is None:
            self.status("fix the marked field first: nothing was sent", error=True)
            return
        self.sending = True
        self.status("sending ...")
        self.run_worker(self._send(values), group="form", exclusive=True)

    async def _send(self, values: dict[str, Any]) -> None:
        try:
            if await self.submit(values):
                self.dismiss(True)
                return
            self.status("")
        except KeyedFieldError as exc:
            self.field(exc.key).show_error(str(exc))
            self.status("fix the marked field: nothing was changed", error=True)
        except PlutarcError as exc:
            self.refused(str(exc))
        finally:
            self.sending = False

    def refused(self, message: str) -> None:
        """The daemon's refusal: at the field it names, and under the form; nothing changed."""
        for row in self.query(FieldRow):
            name = str(row.spec.path[-1])
            if re.search(rf"\b{re.escape(name)}\b", message):
                row.show_error(message)
                break
        self.status(f"refused, nothing was changed: {message}", error=True)

    async def submit(self, values: dict[str, Any]) -> bool:
        """Send ``values``; False: the operator backed out (the form stays open)."""
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


class KeyedFieldError(FieldError):
    """A problem with one field (by its key), found when the values are put together."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
