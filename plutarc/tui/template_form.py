"""The template editor's fields: what each one may hold, parsing typed text, and the TOML out.

Component parameters come from the daemon's catalog (GET /v1/components); the template's own
settings from the Template schema. Parsing here gives the message shown at the field, so an
out-of-bounds value is refused before anything is sent.
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic_core import PydanticUndefined

from plutarc.daemon.api.catalog_routes import ComponentView, ParamView
from plutarc.strategy.template import (
    WEEKDAYS,
    ComponentUse,
    Session,
    Sizing,
    Template,
    parse_template,
    template_to_toml,
)

FieldKind = Literal["int", "float", "bool", "str", "words"]
Path = tuple[str | int, ...]

TEMPLATE_SETTINGS = ("description", "trigger_interval", "exit_interval", "exit_atr_interval",
                     "combination", "threshold", "direction", "on_opposite_signal",
                     "entry_cooldown_min", "leverage")
COMPONENT_SETTINGS = ("enabled", "weight")
SESSION_SETTINGS = ("days", "start", "end", "timezone")
SIZING_SETTINGS = ("mode", "value")
SANITY_CAP = 1e12


class FieldError(ValueError):
    """A typed value the field cannot hold; the message is shown right at the field."""


@dataclass(frozen=True)
class FieldSpec:
    path: Path
    """Where it lives in the template's table, e.g. ("components", 0, "params", "fast")."""
    label: str
    kind: FieldKind
    default: Any
    description: str = ""
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    choices: tuple[str, ...] | None = None
    optional: bool = False
    """Blank means 'not set' (a component's interval then follows the template)."""
    pattern: str | None = None
    """A 'str' value must match this (e.g. HH:MM); ``pattern_hint`` says how it should look."""
    pattern_hint: str = ""

    @property
    def key(self) -> str:
        return ".".join(str(p) for p in self.path)

    @property
    def bounds(self) -> str:
        if self.choices:
            return ("any of " if self.kind == "words" else "one of ") + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.pattern_hint:
            return self.pattern_hint
        # A sanity cap (MAX_AMOUNT, 1e12) only refuses nonsense: not worth the line's room.
        high = self.max if self.max is not None and self.max < SANITY_CAP else None
        if self.min is not None and high is not None:
            return (f"{'(' if self.min_exclusive else '['}{_num(self.min)}, {_num(high)}"
                    f"{')' if self.max_exclusive else ']'}")
        if self.min is not None:
            return f"{'>' if self.min_exclusive else '>='} {_num(self.min)}"
        if high is not None:
            return f"{'<' if self.max_exclusive else '<='} {_num(high)}"
        return "any number" if self.kind in ("int", "float") else "any text"

    def parse(self, text: str) -> Any:
        """The value ``text`` stands for, or FieldError saying what is wrong with it."""
        text = text.strip()
        if not text:
            if self.optional:
                return None
            raise FieldError(f"a value is needed: {self.bounds}")
        if self.kind == "bool":
            if text.lower() not in ("true", "false"):
                raise FieldError(f"{text!r} is not true or false")
            return text.lower() == "true"
        if self.kind in ("words", "str"):
            return self._parse_text(text)
        try:
            number = float(text)
        except ValueError:
            raise FieldError(f"{text!r} is not a number") from None
        if not math.isfinite(number):
            raise FieldError(f"{text!r} is not a finite number")
        if self.kind == "int":
            if number != int(number):
                raise FieldError(f"{text} is not a whole number")
            number = int(number)
        if not self._within(number):
            raise FieldError(f"{_num(number)} is out of bounds {self.bounds}")
        return number

    def _parse_text(self, text: str) -> Any:
        if self.kind == "words":  # e.g. session days: "mon tue wed"
            words = [w for w in text.replace(",", " ").split() if w]
            wrong = [w for w in words if self.choices and w not in self.choices]
            if wrong:
                raise FieldError(f"{wrong[0]!r} is not {self.bounds}")
            return words
        if self.choices and text not in self.choices:
            raise FieldError(f"{text!r} is not {self.bounds}")
        if self.pattern and not re.fullmatch(self.pattern, text):
            raise FieldError(f"{text!r} must look like {self.pattern_hint or self.pattern}")
        return text

    def _within(self, number: float) -> bool:
        if self.min is not None and (number <= self.min if self.min_exclusive
                                     else number < self.min):
            return False
        return self.max is None or not (number >= self.max if self.max_exclusive
                                        else number > self.max)

    def show(self, value: Any) -> str:
        """The text an Input shows for ``value``."""
        if value is None:
            return ""
        if isinstance(value, list | tuple):
            return " ".join(str(v) for v in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return _num(value)
        return str(value)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def param_field(index: int, param: ParamView) -> FieldSpec:
    return FieldSpec(("components", index, "params", param.name), param.name, param.type,
                     param.default, param.description, param.min, param.max,
                     choices=tuple(param.choices) if param.choices else None)


def interval_field(index: int, component: ComponentView, follows: str) -> FieldSpec:
    return FieldSpec(("components", index, "interval"), "interval", "str", None,
                     f"blank: the template's {follows}", choices=tuple(component.intervals),
                     optional=True)


def schema_field(path: Path, info: Any) -> FieldSpec:
    """A field from a pydantic model field: bounds, choices, optional (``X | None``)."""
    annotation = info.annotation
    args = get_args(annotation)
    optional = type(None) in args
    if optional:  # X | None: the field may be left blank
        annotation = next(a for a in args if a is not type(None))
    low = high = None
    low_x = high_x = False
    for rule in info.metadata:
        if isinstance(rule, Ge | Gt):
            low, low_x = float(rule.ge if isinstance(rule, Ge) else rule.gt), isinstance(rule, Gt)
        if isinstance(rule, Le | Lt):
            high, high_x = float(rule.le if isinstance(rule, Le) else rule.lt), isinstance(rule,
                                                                                         Lt)
    default = None if info.default is PydanticUndefined else info.default
    if get_origin(annotation) is Literal:
        return FieldSpec(path, str(path[-1]), "str", default, info.description or "",
                         choices=tuple(str(a) for a in get_args(annotation)), optional=optional)
    if annotation is bool:
        return FieldSpec(path, str(path[-1]), "bool", default, info.description or "")
    if annotation is str:
        return FieldSpec(path, str(path[-1]), "str", default, info.description or "",
                         optional=optional)
    kind: FieldKind = "int" if annotation is int else "float"
    return FieldSpec(path, str(path[-1]), kind, default, info.description or "", low, high,
                     low_x, high_x, optional=optional)


def component_fields(index: int) -> list[FieldSpec]:
    """A component's own switches: enabled, and its weight in a weighted sum."""
    return [replace(schema_field(("components", index, name), ComponentUse.model_fields[name]))
            for name in COMPONENT_SETTINGS]


def session_fields(index: int) -> list[FieldSpec]:
    """A trading session's days, start, end (HH:MM, end exclusive) and timezone."""
    info = Session.model_fields
    hhmm = r"([01]\d|2[0-3]):[0-5]\d|24:00"
    return [
        FieldSpec(("sessions", index, "days"), "days", "words", tuple(WEEKDAYS),
                  "weekdays it trades", choices=tuple(WEEKDAYS)),
        FieldSpec(("sessions", index, "start"), "start", "str", "00:00",
                  info["start"].description or "", pattern=hhmm, pattern_hint="HH:MM"),
        FieldSpec(("sessions", index, "end"), "end", "str", "24:00", "HH:MM, exclusive",
                  pattern=hhmm, pattern_hint="HH:MM"),
        FieldSpec(("sessions", index, "timezone"), "timezone", "str", "UTC",
                  info["timezone"].description or ""),
    ]


def template_fields() -> list[FieldSpec]:
    """The template's own settings (trigger, combination, threshold, sizing ...)."""
    fields = [schema_field((name,), Template.model_fields[name]) for name in TEMPLATE_SETTINGS]
    fields[0] = replace(fields[0], optional=True)  # description: blank is fine
    fields += [replace(schema_field(("sizing", name), Sizing.model_fields[name]),
                       label=f"sizing.{name}") for name in SIZING_SETTINGS]
    return fields


class TemplateDoc:
    """A stored template's TOML as a table the editor reads fields from and writes them to."""

    def __init__(self, name: str, toml_text: str) -> None:
        self.name = name
        self.raw: dict[str, Any] = tomllib.loads(toml_text)
        self.raw.setdefault("name", name)

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.raw.get("components", []))

    def value(self, spec: FieldSpec) -> Any:
        """What the template says for ``spec``, or its default when it says nothing."""
        node: Any = self.raw
        for step in spec.path:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                return spec.default
        return node

    def with_values(self, values: dict[FieldSpec, Any]) -> dict[str, Any]:
        """A copy of the table with ``values`` set; a parameter left at its default stays
        unwritten unless the template named it, and a blank optional value is removed."""
        raw = copy.deepcopy(self.raw)
        for spec, value in values.items():
            *parents, last = spec.path
            node: Any = raw
            for step in parents:
                if isinstance(step, str) and step not in node:
                    node[step] = {}
                node = node[step]
            if value is None:
                node.pop(last, None)
            elif last in node or value != spec.default or spec.path[0] != "components":
                node[last] = value
        return raw

    def to_toml(self, raw: dict[str, Any] | None = None) -> str:
        """The table as TOML text (comments are not kept: the schema writes every field)."""
        return template_to_toml(parse_template(self.raw if raw is None else raw,
                                               f"template {self.name!r}"))


def renamed_toml(toml_text: str, new_name: str) -> str:
    """A catalog template's text under a new name (the daemon insists the two agree)."""
    raw = tomllib.loads(toml_text)
    raw["name"] = new_name
    return template_to_toml(parse_template(raw, f"template {new_name!r}"))
