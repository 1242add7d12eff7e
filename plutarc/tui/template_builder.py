"""Building a template in the editor: add, remove and move components, add and remove
sessions, and the rules checked as you go (the protective stop above all).

Works on the template's table (the TOML as a dict). The local check runs the same validation
as the daemon, on this machine's copy of the catalog; the daemon still judges on save.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from plutarc.errors import TemplateError
from plutarc.strategy.template import parse_template
from plutarc.strategy.template_validation import NO_STOP_MESSAGE, validate_template

_PROBLEM_SPLIT = re.compile(r"; (?!did you mean)")  # problems are joined by '; ' on the wire


def add_component(raw: dict[str, Any], component_id: str) -> int:
    """Append ``component_id`` with its defaults; its index."""
    raw.setdefault("components", []).append({"id": component_id})
    return len(raw["components"]) - 1


def remove_component(raw: dict[str, Any], index: int) -> dict[str, Any]:
    return raw["components"].pop(index)


def move_component(raw: dict[str, Any], index: int, step: int) -> int:
    """Move a component up (-1) or down (+1); its new index (unchanged at either end)."""
    components = raw["components"]
    target = index + step
    if not 0 <= target < len(components):
        return index
    components[index], components[target] = components[target], components[index]
    return target


def add_session(raw: dict[str, Any]) -> int:
    """A new session, Monday to Friday all day UTC (the operator narrows it); its index."""
    raw.setdefault("sessions", []).append({"days": ["mon", "tue", "wed", "thu", "fri"],
                                           "start": "00:00", "end": "24:00",
                                           "timezone": "UTC"})
    return len(raw["sessions"]) - 1


def remove_session(raw: dict[str, Any], index: int) -> None:
    raw["sessions"].pop(index)
    if not raw["sessions"]:
        del raw["sessions"]


def split_problems(message: str, ids: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """A refusal split into what belongs to each component id, and the rest."""
    by_id: dict[str, list[str]] = {}
    rest: list[str] = []
    for part in _PROBLEM_SPLIT.split(message):
        owner = next((cid for cid in ids if part.startswith(f"component {cid}:")
                      or f"component {cid}:" in part), None)
        (by_id.setdefault(owner, []) if owner else rest).append(part)
    return by_id, rest


@dataclass
class RuleCheck:
    """What the local check found: per component id, the protective-stop rule, the rest."""

    by_component: dict[str, list[str]] = field(default_factory=dict)
    no_stop: bool = False
    rest: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.by_component or self.no_stop or self.rest)


def check_rules(raw: dict[str, Any], name: str) -> RuleCheck:
    """Every rule the daemon checks, run here on ``raw`` (the form as it stands)."""
    try:
        validate_template(parse_template(raw, f"template {name!r}"))
    except TemplateError as exc:
        problems = list(getattr(exc, "problems", None) or [str(exc)])
        ids = [str(c.get("id")) for c in raw.get("components", [])]
        check = RuleCheck(no_stop=NO_STOP_MESSAGE in problems)
        problems = [p for p in problems if p != NO_STOP_MESSAGE]
        if problems:
            check.by_component, check.rest = split_problems("; ".join(problems), ids)
        return check
    return RuleCheck()
