"""TemplateEditorScreen: a stored template as forms, validated at each field, saved with a PUT.

Saving hot-reloads every bot on the template (the daemon delivers the change); a bot trading
live money makes the editor ask for the template's name first. The reload reports of those
bots are shown under the form as they arrive.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Footer, Header, Label, Static

from plutarc.daemon.api.catalog_routes import ComponentView
from plutarc.daemon.store import BotRecord, TemplateRecord
from plutarc.errors import PlutarcError
from plutarc.models.events import EventKind
from plutarc.tui.dialogs.ask import Ask
from plutarc.tui.dialogs.confirm import TypedConfirm
from plutarc.tui.messages import DaemonEvent
from plutarc.tui.screens.base import PlutarcScreen
from plutarc.tui.template_form import (
    FieldError,
    TemplateDoc,
    interval_field,
    param_field,
    template_fields,
)
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.field_row import FieldRow

_PROBLEM_SPLIT = re.compile(r"; (?!did you mean)")  # problems are joined by '; ' on the wire


def component_problems(message: str, ids: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The daemon's refusal split into what belongs to each component id, and the rest."""
    by_id: dict[str, list[str]] = {}
    rest: list[str] = []
    for part in _PROBLEM_SPLIT.split(message):
        owner = next((cid for cid in ids if part.startswith(f"component {cid}:")
                      or f"component {cid}:" in part), None)
        (by_id.setdefault(owner, []) if owner else rest).append(part)
    return by_id, rest


class TemplateEditorScreen(PlutarcScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+r", "revert", "Revert"),
        Binding("escape", "back", "Back"),
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

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        yield Static("loading ...", id="editor-title")
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
        self._title(bots)
        editor = self.query_one("#editor", VerticalScroll)
        await editor.remove_children()
        await editor.mount_all(self._form(self.doc, {c.id: c for c in components}))
        first = editor.query(".field-editor")
        if first:
            first.first().focus()

    def _title(self, bots: list[BotRecord]) -> None:
        assert self.record is not None
        users = [b for b in bots if b.template == self.template_name]
        used = ", ".join(f"{b.name} ({b.mode})" for b in users) or "no bot"
        self.query_one("#editor-title", Static).update(
            f"[b]{self.record.name}[/b] v{self.record.version}  used by {used}")

    def _form(self, doc: TemplateDoc, catalog: dict[str, ComponentView]) -> list[Widget]:
        widgets: list[Widget] = [Label("Template settings", classes="section")]
        widgets += [FieldRow(spec, doc.value(spec)) for spec in template_fields()]
        for index, use in enumerate(doc.components):
            cid = str(use.get("id", "?"))
            component = catalog.get(cid)
            if component is None:
                widgets.append(Label(f"#{index + 1} {cid}: not in the daemon's catalog, kept "
                                     "as it is", classes="section"))
                continue
            widgets.append(Label(f"#{index + 1} {cid} ({component.kind}): {component.name}",
                                 classes="section"))
            widgets.append(Static("", id=f"problem-{index}", classes="component-problem",
                                  markup=False))
            follows = "exit_interval" if component.kind == "exit" else "trigger_interval"
            specs = [interval_field(index, component, follows)]
            specs += [param_field(index, p) for p in component.params]
            widgets += [FieldRow(spec, doc.value(spec)) for spec in specs]
        return widgets

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
        if self.doc is None or self.record is None:
            return
        values, bad = self.collect()
        if bad:
            self._status(f"not saved: {len(bad)} field(s) out of bounds or unreadable "
                         f"(first: {bad[0].spec.label}: {bad[0].error})", error=True)
            bad[0].query_one(".field-editor").focus()
            return
        try:
            new_toml = self.doc.to_toml(self.doc.with_values(values))
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
                        f"{', '.join(live)}: saving reloads them at once, with real money.")
            return bool(await self.app.push_screen_wait(
                TypedConfirm(question, self.template_name)))
        return True

    async def _saved(self, saved: TemplateRecord, bots: list[BotRecord]) -> None:
        before = self.record
        self.record, self.doc = saved, TemplateDoc(saved.name, saved.toml)
        for problem in self.query(".component-problem").results(Static):
            problem.update("")
            problem.display = False
        self._title(bots)
        users = [b.name for b in bots
                 if b.template == self.template_name and b.state.value != "stopped"]
        version = f"v{before.version} -> v{saved.version}" if before else f"v{saved.version}"
        waiting = (f"; reloading {', '.join(users)} ..." if users
                   else "; no running bot uses it")
        reports = "".join(f"\n{line}" for line in self.reload_log)
        self.reload_log = []
        self._status(f"saved {self.template_name} {version}{waiting}{reports}")

    def _refused(self, message: str) -> None:
        assert self.doc is not None
        ids = [str(c.get("id")) for c in self.doc.components]
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
        for row in self.query(FieldRow):
            row.set_text(row.spec.show(self.doc.value(row.spec)))
        self._status("reverted to the stored version")

    def changed(self) -> bool:
        """True when some field no longer shows what the stored version says."""
        doc = self.doc
        return doc is not None and any(row.text != row.spec.show(doc.value(row.spec))
                                       for row in self.query(FieldRow))

    def action_back(self) -> None:
        if not self.changed():
            self.app.pop_screen()
            return

        def leave(discard: bool | None) -> None:
            if discard:
                self.app.pop_screen()

        self.app.push_screen(Ask("Leave the editor and drop the changes not saved?", "Drop"),
                             leave)
