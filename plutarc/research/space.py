"""Parameter spaces over a template: ``--param`` specs parsed, grids and random draws built,
and a variant applied to a template (validated as any template is; an invalid one is skipped
with the template validation's own message)."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from itertools import product
from typing import Any

from pydantic import ValidationError

from plutarc.errors import TemplateError, UsageError
from plutarc.strategy.components.registry import catalog
from plutarc.strategy.template import Template, template_to_toml
from plutarc.strategy.template_validation import validate_template
from plutarc.validation import closest, describe_validation_error

MAX_GRID = 100_000
"""A grid larger than this is refused: use --random or --optuna over it instead."""
TOP_LEVEL = ("threshold", "entry_cooldown_min", "leverage", "sizing.value")
"""Template fields a sweep may vary besides component parameters."""
USE_FIELDS = ("weight", "interval", "enabled")
"""Fields of a component's use (not of its parameters) a sweep may vary."""

Variant = dict[str, Any]


@dataclass(frozen=True)
class Dimension:
    """One swept name and its values; ``lo``/``hi``/``step`` when given as a range."""

    name: str  # "threshold", "sizing.value", or "<component key>.<param>"
    values: tuple[Any, ...]
    lo: float | None = None
    hi: float | None = None
    step: float | None = None

    @property
    def is_int(self) -> bool:
        return all(isinstance(v, int) and not isinstance(v, bool) for v in self.values)


def _scalar(text: str) -> Any:
    text = text.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _range(name: str, spec: str) -> Dimension:
    parts = spec.split(":")
    if len(parts) != 3:
        raise UsageError(f"--param {name}: a range is LO:HI:STEP, e.g. 10:60:5; got {spec!r}")
    lo, hi, step = (_scalar(p) for p in parts)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lo, hi, step)):
        raise UsageError(f"--param {name}: LO:HI:STEP must be numbers; got {spec!r}")
    if step <= 0 or hi < lo:
        raise UsageError(f"--param {name}: need LO <= HI and STEP > 0; got {spec!r}")
    count = int(round((hi - lo) / step + 1e-9)) + 1
    if count > MAX_GRID:
        raise UsageError(f"--param {name}: {count} values; at most {MAX_GRID}")
    whole = all(isinstance(v, int) for v in (lo, hi, step))
    values = tuple(lo + i * step if whole else round(lo + i * step, 10) for i in range(count))
    return Dimension(name, values, float(lo), float(hi), float(step))


def parse_param(spec: str) -> Dimension:
    """``NAME=LO:HI:STEP`` (inclusive), ``NAME=A,B,C`` or ``NAME=VALUE``."""
    name, sep, values = spec.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise UsageError(f"--param {spec!r}: give NAME=LO:HI:STEP or NAME=A,B,C, "
                         "e.g. price_vs_ema.period=10:60:5")
    if ":" in values:
        return _range(name, values)
    items = tuple(_scalar(v) for v in values.split(",") if v.strip())
    if len(set(map(repr, items))) != len(items):
        raise UsageError(f"--param {name}: a value is listed twice in {values!r}")
    return Dimension(name, items)


def _match(token: str, names: list[str], what: str, where: str) -> str:
    """Exact name, or the one name containing ``token`` (``stop`` -> ``hard_stop_loss``)."""
    if token in names:
        return token
    hits = [n for n in names if token in n]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise UsageError(f"--param {where}: {token!r} matches several {what}s: "
                         f"{', '.join(hits)}; spell one out")
    near = closest(token, names)
    hint = f"; did you mean {near!r}?" if near else ""
    raise UsageError(f"--param {where}: no {what} {token!r}{hint} ({what}s: {', '.join(names)})")


def _component_keys(template: Template) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for use in template.components:
        seen[use.id] = seen.get(use.id, 0) + 1
        keys.append(use.id if seen[use.id] == 1 else f"{use.id}_{seen[use.id]}")
    return keys


def resolve_names(template: Template, dims: list[Dimension]) -> list[Dimension]:
    """Each dimension under its canonical name, checked against the template and catalog."""
    keys = _component_keys(template)
    registry = catalog()
    out: list[Dimension] = []
    for dim in dims:
        if dim.name in TOP_LEVEL:
            out.append(dim)
            continue
        comp, dot, param = dim.name.rpartition(".")
        if not dot or not comp:
            raise UsageError(f"--param {dim.name}: name a component parameter as "
                             f"COMPONENT.PARAM, or one of {', '.join(TOP_LEVEL)}")
        key = _match(comp, keys, "component", dim.name)
        use = template.components[keys.index(key)]
        cls = registry.get(use.id)
        params = [p.name for p in cls.spec.params] if cls else []
        param = param if param in USE_FIELDS and param not in params else _match(
            param, params, f"parameter of {key}", dim.name)
        out.append(Dimension(f"{key}.{param}", dim.values, dim.lo, dim.hi, dim.step))
    names = [d.name for d in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"--param {twice[0]}: given more than once")
    return out


def grid(dims: list[Dimension]) -> list[Variant]:
    size = 1
    for dim in dims:
        size *= len(dim.values)
    if size > MAX_GRID:
        raise UsageError(f"the grid has {size} variants (at most {MAX_GRID}); sample it "
                         "with --random N or --optuna N")
    return [dict(zip([d.name for d in dims], combo, strict=True))
            for combo in product(*(d.values for d in dims))]


def random_sample(dims: list[Dimension], n: int, seed: int) -> list[Variant]:
    """``n`` distinct grid points drawn uniformly with ``seed`` (all of them if fewer)."""
    full = grid(dims)
    return random.Random(seed).sample(full, min(n, len(full)))


def variant_key(variant: Variant) -> str:
    return json.dumps(variant, sort_keys=True, separators=(",", ":"))


def template_hash(template: Template) -> str:
    return hashlib.sha256(template_to_toml(template).encode()).hexdigest()[:16]


def apply_variant(template: Template, variant: Variant) -> Template:
    """``template`` with the variant's values, fully validated (TemplateError says why not)."""
    raw = template.model_dump(mode="json")
    keys = _component_keys(template)
    for name, value in variant.items():
        if name == "sizing.value":
            raw["sizing"]["value"] = value
        elif name in TOP_LEVEL:
            raw[name] = value
        else:
            key, _, param = name.rpartition(".")
            use = raw["components"][keys.index(key)]
            if param in USE_FIELDS and _is_use_field(use["id"], param):
                use[param] = value
            else:
                use["params"][param] = value
    try:
        out = Template.model_validate(raw)
    except ValidationError as exc:
        raise TemplateError(describe_validation_error(exc, Template, "variant")) from None
    validate_template(out)
    return out


def _is_use_field(component_id: str, name: str) -> bool:
    cls = catalog().get(component_id)
    return cls is None or name not in [p.name for p in cls.spec.params]
