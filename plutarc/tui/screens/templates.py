"""TemplatesScreen: the templates stored in the daemon, which bots use them; open or create one."""

from __future__ import annotations

import asyncio
import tomllib
from collections import defaultdict
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from plutarc.daemon.promotion_client import template_validations
from plutarc.daemon.store import BotRecord, TemplateRecord
from plutarc.errors import PlutarcError
from plutarc.models.events import EventKind
from plutarc.tui.dialogs.new_template import NewTemplate
from plutarc.tui.format import fmt_time
from plutarc.tui.screens.base import LiveScreen
from plutarc.tui.screens.template_editor import TemplateEditorScreen
from plutarc.tui.template_form import renamed_toml
from plutarc.tui.widgets.banner import ConnectionBanner
from plutarc.tui.widgets.tables import refill, selected_key

COLUMNS = ("Template", "Ver", "Validated", "Saved", "Bots", "Components")


def component_ids(toml_text: str) -> str:
    try:
        raw = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError:
        return "?"
    return " ".join(str(c.get("id", "?")) for c in raw.get("components", []))


def template_rows(templates: list[TemplateRecord], bots: list[BotRecord],
                  validated: dict[str, set[int]] | None = None,
                  ) -> list[tuple[str, tuple[object, ...]]]:
    """One row per template; ``validated``: the versions that passed the promotion gate."""
    users: dict[str, list[BotRecord]] = defaultdict(list)
    for bot in bots:
        users[bot.template].append(bot)
    rows = []
    for t in templates:
        live = sum(b.mode == "live" for b in users[t.name])
        count = f"{len(users[t.name])}" + (f" ({live} live)" if live else "")
        passed = sorted((validated or {}).get(t.name, set()))
        marks = " ".join(f"v{v}" for v in passed) or "-"
        rows.append((t.name, (t.name, f"v{t.version}" + (" ✓" if t.version in passed else ""),
                              marks, fmt_time(t.updated_ms), count, component_ids(t.toml))))
    return rows


class TemplatesScreen(LiveScreen):
    RELOAD_ON = frozenset({EventKind.BOT_STATE})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit", "Edit"),
        Binding("n", "new", "New"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConnectionBanner()
        table: DataTable[object] = DataTable(id="templates", cursor_type="row",
                                             zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static("", id="templates-summary")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Templates"

    async def load(self) -> None:
        templates, bots = await asyncio.gather(self.client.list_templates(),
                                               self.client.list_bots())
        marks = await asyncio.gather(*(template_validations(self.client, t.name)
                                       for t in templates))
        validated = {t.name: {r["version"] for r in rows if r["validated"]}
                     for t, rows in zip(templates, marks, strict=True)}
        refill(self.query_one("#templates", DataTable),
               template_rows(templates, bots, validated))
        self.query_one("#templates-summary", Static).update(
            f"{len(templates)} stored templates: enter edits one, n makes a new one"
            if templates else "No template stored yet: press n to start from a system one")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        name = selected_key(self.query_one("#templates", DataTable))
        if name is not None:
            self.app.push_screen(TemplateEditorScreen(name))

    def action_new(self) -> None:
        self.run_worker(self._new(), group="new", exclusive=True)

    async def _new(self) -> None:
        try:
            sources, stored = await asyncio.gather(self.client.template_catalog(),
                                                   self.client.list_templates())
        except PlutarcError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        texts = {t.name: t.toml for t in sources}
        picked = await self.app.push_screen_wait(
            NewTemplate(list(texts), [t.name for t in stored]))
        if picked is None:
            return
        source, name = picked
        try:
            await self.client.put_template(name, renamed_toml(texts[source], name))
        except PlutarcError as exc:
            self.notify(f"could not create {name}: {exc}", severity="error", timeout=8)
            return
        self.notify(f"template {name} created from {source}", timeout=3)
        self.reload()
        self.app.push_screen(TemplateEditorScreen(name))
