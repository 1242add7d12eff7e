"""Validate a template against the component catalog, with one precise message per problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plutarc.errors import TemplateError
from plutarc.intervals import interval_ms
from plutarc.strategy.components.base import Component, Kind, Param
from plutarc.strategy.components.registry import catalog
from plutarc.strategy.template import ComponentUse, Template
from plutarc.validation import closest, finite_number

PROTECTIVE_STOPS = ("hard_stop_loss", "chandelier_exit", "atr_trailing_stop", "trailing_stop")
"""Stop rules that can protect a position from its entry fill (trailing_stop only without an
activation move); break_even_stop is not one: it has no stop until price has moved."""
NO_STOP_MESSAGE = (
    "a template needs a protective stop in place from the entry: hard_stop_loss, "
    "chandelier_exit, atr_trailing_stop, or trailing_stop with activation_pct = 0 "
    "(break_even_stop has no stop until it arms)"
)


@dataclass(frozen=True)
class ResolvedComponent:
    """A template's component with its class, full parameters, interval and unique key."""

    key: str
    use: ComponentUse
    cls: type[Component]
    params: dict[str, Any]
    interval: str

    @property
    def kind(self) -> Kind:
        return self.cls.spec.kind

    def instantiate(self) -> Component:
        return self.cls(self.params)


def _coerce(param: Param, value: Any, where: str) -> Any:
    if param.type is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: must be true or false, got {value!r}")
        return value
    if param.type is str:
        if not isinstance(value, str) or (param.choices and value not in param.choices):
            raise ValueError(f"{where}: must be one of {', '.join(param.choices or ())}; "
                             f"got {value!r}")
        return value
    value = finite_number(value, where)  # NaN passes every bound below, so refuse it here
    if param.type is int and float(value) != int(value):
        raise ValueError(f"{where}: must be a whole number, got {value!r}")
    number = int(value) if param.type is int else float(value)
    if (param.min is not None and number < param.min) or (
        param.max is not None and number > param.max
    ):
        raise ValueError(f"{where}: {number} is out of bounds {param.describe_bounds()}")
    return number


def resolve_params(cls: type[Component], overrides: dict[str, Any], where: str) -> dict[str, Any]:
    spec = cls.spec
    names = [p.name for p in spec.params]
    problems = []
    for key in overrides:
        if key not in names:
            suggestion = closest(key, names)
            hint = f"; did you mean {suggestion!r}?" if suggestion else ""
            known = ", ".join(names) or "none"
            problems.append(f"{where}: unknown parameter {key!r}{hint} (parameters: {known})")
    params: dict[str, Any] = {}
    for param in spec.params:
        value = overrides.get(param.name, param.default)
        try:
            params[param.name] = _coerce(param, value, f"{where}: parameter {param.name!r}")
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise TemplateError(problems)
    return params


def _check_interval(template: Template, use: ComponentUse, cls: type[Component], where: str,
                    interval: str) -> list[str]:
    spec = cls.spec
    problems = []
    if interval not in spec.intervals:
        problems.append(f"{where}: interval {interval} is not supported "
                        f"(supported: {', '.join(spec.intervals)})")
    if spec.higher_timeframe and interval_ms(interval) < interval_ms(template.trigger_interval):
        problems.append(f"{where}: a higher-timeframe component cannot run at {interval}, "
                        f"below the trigger interval {template.trigger_interval}")
    return problems


def validate_template(template: Template) -> list[ResolvedComponent]:
    """Every problem of the template at once (TemplateError), or its resolved components."""
    registry = catalog()
    problems: list[str] = []
    resolved: list[ResolvedComponent] = []
    seen: dict[str, int] = {}
    for position, use in enumerate(template.components, start=1):
        cls = registry.get(use.id)
        if cls is None:
            suggestion = closest(use.id, registry)
            hint = f"; did you mean {suggestion!r}?" if suggestion else ""
            problems.append(f"component #{position}: unknown component {use.id!r}{hint}")
            continue
        where = f"component {use.id}"
        kind = cls.spec.kind
        interval = template.exit_interval if kind is Kind.EXIT and use.interval is None else (
            template.interval_of(use))
        problems += _check_interval(template, use, cls, where, interval)
        try:
            params = resolve_params(cls, use.params, where)
        except TemplateError as exc:
            problems += exc.problems
            continue
        try:
            cls(params)  # cross-parameter rules (e.g. fast < slow) live in the constructor
        except TemplateError as exc:
            problems += [p if p.startswith(use.id) else f"{where}: {p}" for p in exc.problems]
            continue
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        seen[use.id] = seen.get(use.id, 0) + 1
        key = use.id if seen[use.id] == 1 else f"{use.id}_{seen[use.id]}"
        resolved.append(ResolvedComponent(key, use, cls, params, interval))
    enabled = [r for r in resolved if r.use.enabled]
    if not any(r.kind is Kind.SIGNAL for r in enabled) and not problems:
        problems.append("a template needs at least one enabled signal component")
    protected = any(getattr(r.cls, "protects_from_entry", lambda _p: False)(r.params)
                    for r in enabled if r.kind is Kind.EXIT)
    unresolved = {u.id for u in template.components if u.enabled} - {r.use.id for r in resolved}
    if not protected and not unresolved & set(PROTECTIVE_STOPS):  # else: its error says why
        problems.append(NO_STOP_MESSAGE)
    if problems:
        raise TemplateError(problems)
    return resolved
