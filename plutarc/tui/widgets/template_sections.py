"""The template editor's form as widgets: one line per setting, session field and parameter;
each component and session under a header line with its buttons (up, down, remove)."""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Label, Select, Static

from plutarc.daemon.api.catalog_routes import ComponentView
from plutarc.tui.template_form import (
    TemplateDoc,
    component_fields,
    interval_field,
    param_field,
    session_fields,
    template_fields,
)
from plutarc.tui.widgets.field_row import FieldRow


def form_widgets(doc: TemplateDoc, catalog: dict[str, ComponentView]) -> list[Widget]:
    """The editor's form: settings, sessions, components (each with its switches, interval
    and parameters) and the line that adds a component."""
    widgets: list[Widget] = [Label("Template settings", classes="section")]
    widgets += [FieldRow(spec, doc.value(spec)) for spec in template_fields()]
    sessions = list(doc.raw.get("sessions", []))
    widgets.append(Label(f"Sessions ({len(sessions) or 'none: always in session'})",
                         classes="section"))
    for index in range(len(sessions)):
        widgets.append(_header(f"session {index + 1}", (("remove", f"session-rm-{index}"),)))
        widgets += [FieldRow(spec, doc.value(spec)) for spec in session_fields(index)]
    widgets.append(_header("", (("add a session", "session-add"),)))
    widgets.append(Label(f"Components ({len(doc.components)})", classes="section"))
    for index, use in enumerate(doc.components):
        widgets += _component(doc, index, use, catalog)
    options = [(f"{c.id} ({c.kind}): {c.name}", c.id)
               for c in sorted(catalog.values(), key=lambda c: (c.kind, c.id))]
    add = Horizontal(Select(options, prompt="component to add ...", id="add-component",
                            compact=True),
                     Button("add", id="comp-add", compact=True), classes="builder-row")
    widgets.append(add)
    return widgets

def _component(doc: TemplateDoc, index: int, use: dict[str, Any],
               catalog: dict[str, ComponentView]) -> list[Widget]:
    cid = str(use.get("id", "?"))
    component = catalog.get(cid)
    buttons = (("up", f"comp-up-{index}"), ("down", f"comp-down-{index}"),
               ("remove", f"comp-rm-{index}"))
    if component is None:
        return [_header(f"#{index + 1} {cid}: not in the daemon's catalog, kept as it is",
                        buttons)]
    off = "" if use.get("enabled", True) else " [off]"
    widgets: list[Widget] = [
        _header(f"#{index + 1} {cid} ({component.kind}){off}: {component.name}", buttons),
        Static("", id=f"problem-{index}", classes="component-problem", markup=False)]
    follows = "exit_interval" if component.kind == "exit" else "trigger_interval"
    specs = component_fields(index) + [interval_field(index, component, follows)]
    specs += [param_field(index, p) for p in component.params]
    widgets += [FieldRow(spec, doc.value(spec)) for spec in specs]
    return widgets


def _header(text: str, buttons: tuple[tuple[str, str], ...]) -> Horizontal:
    """A section line with its buttons (remove, up, down ...), reachable with tab."""
    return Horizontal(Label(text, classes="builder-label", markup=False),
                      *(Button(label, id=button_id, compact=True, classes="builder-button")
                        for label, button_id in buttons), classes="builder-row")
