"""TemplateEditorScreen: a stored template as forms, validated at each field, saved with a PUT.

It builds as well as tunes: components are added (ctrl+n), removed, moved, switched on and off
and weighted; sessions are added and removed; every template setting has a line. The rules
(the protective stop above all) are checked as you type, on this machine's catalog; the
daemon judges on save. Saving stores a new version; bots pin theirs and move only when told
('plutarc bot update NAME'), so nothing changes under a running bot. A template that live
money trades still asks for its name first. What the bots report about the new version is
shown under the form as it arrives.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Footer, Header, Select, Static

from plutarc.daemon.api.catalog_routes import ComponentView
from plutarc.daemon.store import BotRecord, TemplateRecord
from plutarc.errors import PlutarcError
from plutarc.models.events import EventKind
from plutarc.strategy.template_validation import NO_STOP_MESSAGE
from plutarc.tui import template_builder as build
from plutarc.tui.dialogs.ask import Ask
from plutarc.tui.dialogs.confirm import TypedConfirm
from plutarc.tui.messages import DaemonEvent
from plutarc.tui.screens.base import PlutarcScreen
from plutarc.tui.template_form import (
    FieldError,
    TemplateDoc,
)
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.field_row import FieldRow
from plutarc.tui.widgets.template_sections import form_widgets

component_problems = build.split_problems  # the daemon's refusal, split by component
CHECK_DELAY_S = 0.3  # the rules are checked this long after the last keystroke


class TemplateEditorScreen(PlutarcScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+r", "revert", "Revert"),
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "pick_component", "Add component"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.template_name = name
        self.record: TemplateRecord | None = None
        self.doc: TemplateDoc | None = None
        self.reloading: dict[str, str] = {}
        """Bot id -> name of the bots whose reload reports the editor is waiting for."""
        self.status_text = ""
        self.reload_log: list[str] = []
        self.work: TemplateDoc | None = None
        """The template as built so far (components and sessions added or removed)."""
        self.catalog: dict[str, ComponentView] = {}
        self.rules_text = ""
        self._check_timer: Any = None
        self.rebuilding = False
        """True while the form is laid out again: no field is read meanwhile."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        yield Static("loading ...", id="editor-title")
        yield Static("", id="rules", markup=False)
        yield VerticalScroll(id="editor")
        yield Static("", id="save-status", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = f"Template {self.template_name}"
        self.run_worker(self._load(), group="load", exclusive=True)

    async def _load(self) -> None:
        try:
            record, components, bots = await asyncio.gather(
                self.client.get_template(self.template_name), self.client.components(),
                self.client.list_bots())
        except PlutarcError as exc:
            self._status(str(exc), error=True)
            return
        self.record, self.doc = record, TemplateDoc(record.name, record.toml)
        self.work = self._copy(self.doc)
        self.catalog = {c.id: c for c in components}
        self._title(bots)
        await self._rebuild()
        first = self.query_one("#editor", VerticalScroll).query(".field-editor")
        if first:
            first.first().focus()

    @staticmethod
    def _copy(doc: TemplateDoc) -> TemplateDoc:
        work = TemplateDoc(doc.name, "")
        work.raw = copy.deepcopy(doc.raw)
        return work

    async def _rebuild(self, focus: str | None = None) -> None:
        """Lay the form out again from ``self.work`` (after a component or session moved)."""
        assert self.work is not None
        self.rebuilding = True
        try:
            editor = self.query_one("#editor", VerticalScroll)
            await editor.remove_children()
            await editor.mount_all(form_widgets(self.work, self.catalog))
            if focus is not None:
                found = editor.query(focus)
                if found:
                    found.first().focus()
                    editor.scroll_to_widget(found.first(), animate=False)
        finally:
            self.rebuilding = False
        self._check_rules()

    def _title(self, bots: list[BotRecord]) -> None:
        assert self.record is not None
        users = [b for b in bots if b.template == self.template_name]
        used = ", ".join(f"{b.name} ({b.mode})" for b in users) or "no bot"
        self.query_one("#editor-title", Static).update(
            f"[b]{self.record.name}[/b] v{self.record.version}  used by {used}")

    # ----- building: components and sessions ------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        kind, _, rest = button.rpartition("-")
        if button == "comp-add":
            self.action_add_component()
        elif button == "session-add":
            self._restructure(build.add_session, "add a session",
                              lambda i: f"#session-rm-{i}")
        elif kind in ("comp-up", "comp-down", "comp-rm", "session-rm"):
            self._structural(kind, int(rest))

    def _structural(self, kind: str, index: int) -> None:
        if kind == "comp-rm":
            self._restructure(lambda raw: build.remove_component(raw, index),
                              f"remove component #{index + 1}")
        elif kind == "session-rm":
            self._restructure(lambda raw: build.remove_session(raw, index),
                              f"remove session {index + 1}")
        else:
            step = -1 if kind == "comp-up" else 1
            self._restructure(lambda raw: build.move_component(raw, index, step),
                              f"move component #{index + 1}", lambda i: f"#{kind}-{i}")

    def action_pick_component(self) -> None:
        picker = self.query("#add-component")
        if picker:
            picker.first().focus()
            self.query_one("#editor", VerticalScroll).scroll_end(animate=False)

    def action_add_component(self) -> None:
        picker = self.query_one("#add-component", Select)
        if picker.value is Select.NULL:
            self._status("pick the component to add first (ctrl+n goes to the list)",
                         error=True)
            picker.focus()
            return
        cid = str(picker.value)
        self._restructure(lambda raw: build.add_component(raw, cid), f"add {cid}",
                          lambda i: f"#comp-rm-{i}")

    def _restructure(self, change: Callable[[dict[str, Any]], Any], what: str,
                     focus: Callable[[int], str] | None = None) -> None:
        """Apply ``change`` to the template as the form stands, then lay the form out
        again; refused while a field holds a value it cannot keep (nothing changes)."""
        if self.work is None or self.rebuilding:
            return
        values, bad = self.collect()
        if bad:
            self._status(f"{what}: fix {bad[0].spec.label} first ({bad[0].error}); nothing "
                         "was changed", error=True)
            return
        raw = self.work.with_values(values)
        result = change(raw)
        self.work.raw = raw
        target = focus(result) if focus is not None and isinstance(result, int) else None
        self._status(f"{what}: done, not saved yet (ctrl+s saves)")
        self.rebuilding = True  # from now: the old rows are on their way out
        self.run_worker(self._rebuild(target), group="rebuild", exclusive=True)

    # ----- the rules, checked as you go -----------------------------------------------
    def on_field_row_edited(self, _message: FieldRow.Edited) -> None:
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(CHECK_DELAY_S, self._check_rules)

    def _check_rules(self) -> None:
        if self.work is None or self.rebuilding:
            return
        values, bad = self.collect()
        if bad:
            self._rules(f"{len(bad)} field(s) to fix before the rules can be checked", True)
            return
        raw = self.work.with_values(values)
        check = build.check_rules(raw, self.template_name)
        ids = [str(c.get("id")) for c in raw.get("components", [])]
        for index, cid in enumerate(ids):
            for problem in self.query(f"#problem-{index}").results(Static):
                problem.update("\n".join(check.by_component.get(cid, [])))
                problem.display = cid in check.by_component
        if check.no_stop:
            self._rules(f"NO PROTECTIVE STOP: {NO_STOP_MESSAGE}", True)
        elif check.rest or check.by_component:
            self._rules("rules: " + ("; ".join(check.rest) or "see the marked components"),
                        True)
        else:
            self._rules("rules: ok (protective stop in place, a signal enabled)", False)

    def _rules(self, text: str, error: bool) -> None:
        self.rules_text = text
        line = self.query_one("#rules", Static)
        line.update(text)
        line.set_class(error, "-invalid")

    def _status(self, text: str, error: bool = False) -> None:
        self.status_text = text
        status = self.query_one("#save-status", Static)
        status.update(text)
        status.set_class(error, "-invalid")

    # ----- saving ---------------------------------------------------------------------
    def action_save(self) -> None:
        self.run_worker(self._save(), group="save", exclusive=True)

    def collect(self) -> tuple[dict[Any, Any], list[FieldRow]]:
        """Every field's value, and the rows whose text cannot be held (marked at the field)."""
        values: dict[Any, Any] = {}
        bad: list[FieldRow] = []
        for row in self.query(FieldRow):
            try:
                values[row.spec] = row.value()
            except FieldError:
                bad.append(row)
        return values, bad

    async def _save(self) -> None:
        if self.doc is None or self.record is None or self.work is None or self.rebuilding:
            return
        values, bad = self.collect()
        if bad:
            self._status(f"not saved: {len(bad)} field(s) out of bounds or unreadable "
                         f"(first: {bad[0].spec.label}: {bad[0].error})", error=True)
            bad[0].query_one(".field-editor").focus()
            return
        try:
            new_toml = self.work.to_toml(self.work.with_values(values))
            if new_toml == self.doc.to_toml():
                self._status("nothing changed: not saved")
                return
            bots = await self.client.list_bots()
            if not await self._confirmed(bots):
                self._status("not saved (cancelled)")
                return
            # Listen before sending: a bot may report its reload before the PUT returns.
            self.reloading = {b.id: b.name for b in bots if b.template == self.template_name
                              and b.state.value != "stopped"}
            self._status("saving ...")
            saved = await self.client.put_template(self.template_name, new_toml)
        except PlutarcError as exc:
            self.reloading = {}
            self._refused(str(exc))
            return
        await self._saved(saved, bots)

    async def _confirmed(self, bots: list[BotRecord]) -> bool:
        """Ask when live money trades the template, or someone saved it since it was opened."""
        assert self.record is not None
        current = await self.client.get_template(self.template_name)
        if current.version != self.record.version:
            question = (f"{self.template_name} was saved by someone else since you opened it "
                        f"(v{self.record.version} -> v{current.version}). Overwrite it?")
            if not await self.app.push_screen_wait(Ask(question, "Overwrite")):
                return False
        live = [b.name for b in bots if b.template == self.template_name and b.mode == "live"]
        if live:
            question = (f"Template {self.template_name} is used by LIVE bot(s) "
                        f"{', '.join(live)}: saving stores a new version; they keep theirs "
                        f"until moved with 'plutarc bot update NAME'.")
            return bool(await self.app.push_screen_wait(
                TypedConfirm(question, self.template_name)))
        return True

    async def _saved(self, saved: TemplateRecord, bots: list[BotRecord]) -> None:
        before = self.record
        self.record, self.doc = saved, TemplateDoc(saved.name, saved.toml)
        self.work = self._copy(self.doc)
        for problem in self.query(".component-problem").results(Static):
            problem.update("")
            problem.display = False
        await self._rebuild()  # the stored text decides what the form shows from now on
        self._title(bots)
        users = [b.name for b in bots
                 if b.template == self.template_name and b.state.value != "stopped"]
        version = f"v{before.version} -> v{saved.version}" if before else f"v{saved.version}"
        waiting = (f"; {', '.join(users)} keep their version until moved" if users
                   else "; no running bot uses it")
        reports = "".join(f"\n{line}" for line in self.reload_log)
        self.reload_log = []
        self._status(f"saved {self.template_name} {version}{waiting}{reports}")

    def _refused(self, message: str) -> None:
        assert self.work is not None
        ids = [str(c.get("id")) for c in self.work.components]
        by_id, rest = component_problems(message, ids)
        for index, cid in enumerate(ids):
            for problem in self.query(f"#problem-{index}").results(Static):
                problem.update("\n".join(by_id.get(cid, [])))
                problem.display = cid in by_id
        self._status("not saved, the daemon refused it: " + ("; ".join(rest) if rest else
                                                             "see the marked components"),
                     error=True)

    def on_daemon_event(self, message: DaemonEvent) -> None:
        record = message.record
        if record.bot_id in self.reloading and record.kind is EventKind.ACTIVITY \
                and "template" in record.message:
            name = self.reloading.pop(record.bot_id)
            line = f"{name}: {record.message}"
            if self.status_text.startswith(f"saved {self.template_name}"):
                self._status(f"{self.status_text}\n{line}")
            else:  # the report came before the PUT's answer: shown with it
                self.reload_log.append(line)

    # ----- other keys -----------------------------------------------------------------
    def action_revert(self) -> None:
        if self.doc is None:
            return
        self.work = self._copy(self.doc)
        self.run_worker(self._rebuild(), group="rebuild", exclusive=True)
        self._status("reverted to the stored version")

    def changed(self) -> bool:
        """True when the form no longer says what the stored version says."""
        doc, work = self.doc, self.work
        if doc is None or work is None:
            return False
        values, bad = self.collect()
        if bad:
            return True
        try:
            return work.to_toml(work.with_values(values)) != doc.to_toml()
        except PlutarcError:
            return True

    def action_back(self) -> None:
        if not self.changed():
            self.app.pop_screen()
            return

        def leave(discard: bool | None) -> None:
            if discard:
                self.app.pop_screen()

        self.app.push_screen(Ask("Leave the editor and drop the changes not saved?", "Drop"),
                             leave)

