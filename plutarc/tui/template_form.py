"""The template editor's fields: what each one may hold, parsing typed text, and the TOML out.

Component parameters come from the daemon's catalog (GET /v1/components); the template's own
settings from the Template schema. Parsing here gives the message shown at the field, so an
out-of-bounds value is refused before anything is sent.
"""

from __future__ import annotations

import copy
import math
import tomllib
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt

from plutarc.daemon.api.catalog_routes import ComponentView, ParamView
from plutarc.strategy.template import Sizing, Template, parse_template, template_to_toml

FieldKind = Literal["int", "float", "bool", "str"]
Path = tuple[str | int, ...]

TEMPLATE_SETTINGS = ("trigger_interval", "exit_interval", "combination", "threshold", "direction",
                     "on_opposite_signal", "entry_cooldown_min", "leverage")
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

    @property
    def key(self) -> str:
        return ".".join(str(p) for p in self.path)

    @property
    def bounds(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
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
        if self.kind == "str":
            if self.choices and text not in self.choices:
                raise FieldError(f"{text!r} is not {self.bounds}")
            return text
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
    annotation = info.annotation
    low = high = None
    low_x = high_x = False
    for rule in info.metadata:
        if isinstance(rule, Ge | Gt):
            low, low_x = float(rule.ge if isinstance(rule, Ge) else rule.gt), isinstance(rule, Gt)
        if isinstance(rule, Le | Lt):
            high, high_x = float(rule.le if isinstance(rule, Le) else rule.lt), isinstance(rule,
                                                                                         Lt)
    if get_origin(annotation) is Literal:
        return FieldSpec(path, str(path[-1]), "str", info.default, info.description or "",
                         choices=tuple(str(a) for a in get_args(annotation)))
    kind: FieldKind = "int" if annotation is int else "float"
    return FieldSpec(path, str(path[-1]), kind, info.default, info.description or "", low, high,
                     low_x, high_x)


def template_fields() -> list[FieldSpec]:
    """The template's own settings (trigger, combination, threshold, sizing ...)."""
    fields = [schema_field((name,), Template.model_fields[name]) for name in TEMPLATE_SETTINGS]
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
