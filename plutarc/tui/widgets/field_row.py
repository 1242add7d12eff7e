"""FieldRow: one editable value on one line - its name, an editor, and its bounds or its error."""

from __future__ import annotations

import contextlib
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from plutarc.tui.template_form import FieldError, FieldSpec


class FieldRow(Horizontal):
    """Validates as the operator types: the hint turns into the problem, right at the field."""

    def __init__(self, spec: FieldSpec, value: Any) -> None:
        super().__init__(classes="field-row")
        self.spec = spec
        self.initial = value
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        spec = self.spec
        yield Label(spec.label, classes="field-label")
        if (spec.choices and spec.kind != "words") or spec.kind == "bool":
            options = spec.choices or ("true", "false")
            shown = spec.show(self.initial)
            known = shown in options
            yield Select([(o, o) for o in options], value=shown if known else Select.NULL,
                         allow_blank=spec.optional or not known, compact=True,
                         prompt="(template's)", tooltip=spec.description or None,
                         classes="field-editor")
        else:
            yield Input(spec.show(self.initial), compact=True, classes="field-editor",
                        tooltip=spec.description or None, select_on_focus=False)
        yield Static(self.hint, classes="field-hint", markup=False)

    @property
    def hint(self) -> str:
        """Shown while the value is fine: its bounds (a list shows its choices) and meaning."""
        spec = self.spec
        if (spec.choices and spec.kind != "words") or spec.kind == "bool":
            return spec.description or spec.bounds
        return f"{spec.bounds}  {spec.description}".rstrip()

    @property
    def text(self) -> str:
        editor = self.query_one(".field-editor")
        if isinstance(editor, Select):
            return "" if editor.value is Select.NULL else str(editor.value)
        assert isinstance(editor, Input)
        return editor.value

    def set_text(self, text: str) -> None:
        editor = self.query_one(".field-editor")
        if isinstance(editor, Select):
            editor.value = text if text else Select.NULL
        else:
            assert isinstance(editor, Input)
            editor.value = text

    def value(self) -> Any:
        """The parsed value; FieldError (also shown at the field) when it cannot be held."""
        try:
            parsed = self.spec.parse(self.text)
        except FieldError as exc:
            self._show(str(exc))
            raise
        self._show(None)
        return parsed

    def show_error(self, error: str | None) -> None:
        """Show a problem found elsewhere (the daemon's answer) at this field; None clears."""
        self._show(error)

    def _show(self, error: str | None) -> None:
        self.error = error
        hint = self.query_one(".field-hint", Static)
        hint.update(error if error else self.hint)
        hint.set_class(error is not None, "-invalid")
        self.set_class(error is not None, "-invalid")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._check()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._check()

    def _check(self) -> None:
        with contextlib.suppress(FieldError):  # shown at the field; saving refuses meanwhile
            self.value()
        self.post_message(self.Edited(self))

    class Edited(Message):
        """The operator changed the value (valid or not): the form may check its rules."""

        def __init__(self, row: FieldRow) -> None:
            super().__init__()
            self.row = row
