"""Strategy templates: the pydantic schema, TOML loading and saving.

Validation against the component catalog (unknown ids, bounds, intervals, a protective
stop) lives in ``template_validation``; this module only knows the shape.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from plutarc.errors import TemplateError, UsageError
from plutarc.intervals import STRATEGY_INTERVALS
from plutarc.untrusted import load_toml
from plutarc.validation import MAX_AMOUNT, CheckedModel, describe_validation_error

IntervalName = Literal["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
MAX_COMPONENTS = 64
"""Components per template: the catalog has 56; thousands only slow every API call down."""
MAX_SESSIONS = 32
PCT_SIZING_MAX = {"equity_pct": 10_000.0, "risk_pct": 100.0}
"""Upper bounds of the percentage modes (equity_pct may exceed 100 with leverage)."""


class _Strict(CheckedModel):
    """Unknown keys refused, frozen, numbers finite and never booleans."""


class ComponentUse(_Strict):
    """One component in a template."""

    id: str = Field(description="Catalog id, e.g. rsi_divergence_regular.")
    interval: IntervalName | None = Field(
        None, description="Interval it is computed at; default: the trigger interval."
    )
    params: dict[str, Any] = Field(default_factory=dict, description="Overrides of defaults.")
    weight: float = Field(1.0, ge=0.0, le=100.0, description="Weight in weighted_sum.")
    enabled: bool = Field(True, description="Disabled components are kept but not computed.")


class Session(_Strict):
    """A trading session: weekdays and a time range in a timezone (end exclusive)."""

    days: tuple[str, ...] = Field(WEEKDAYS, description="Weekdays, e.g. [\"mon\", \"tue\"].")
    start: str = Field("00:00", description="HH:MM, inclusive.")
    end: str = Field("24:00", description="HH:MM, exclusive; may be earlier than start "
                                          "(the session runs past midnight).")
    timezone: str = Field("UTC", description="IANA timezone name.")

    @field_validator("days")
    @classmethod
    def _days(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        bad = [d for d in days if d not in WEEKDAYS]
        if bad or not days:
            raise ValueError(f"days must be among {', '.join(WEEKDAYS)}; got {list(days)}")
        return days

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"time must be HH:MM (00:00 to 24:00), got {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value


class Sizing(_Strict):
    """How big an entry is."""

    mode: Literal["fixed_quote", "equity_pct", "risk_pct", "fixed_base"] = Field(
        "fixed_quote",
        description="fixed_quote: value in quote currency; equity_pct: % of equity as notional; "
        "risk_pct: % of equity lost if the protective stop is hit; fixed_base: base units.",
    )
    value: float = Field(1000.0, gt=0, le=MAX_AMOUNT, description="Amount for the chosen mode.")

    @model_validator(mode="after")
    def _pct_in_range(self) -> Sizing:
        top = PCT_SIZING_MAX.get(self.mode)
        if top is not None and self.value > top:
            raise ValueError(f"{self.mode} value {self.value} is above {top:g} (percent)")
        return self


class Template(_Strict):
    name: str = Field(description="Template name (file stem).")
    description: str = Field("", description="What the strategy is about.")
    trigger_interval: IntervalName = Field("1h", description="Entries are decided on its close.")
    combination: Literal["weighted_sum", "unanimous", "majority", "any"] = Field(
        "weighted_sum", description="How signal scores combine."
    )
    threshold: float = Field(0.5, gt=0.0, le=1.0, description="|combined score| needed to enter.")
    direction: Literal["long", "short", "both"] = Field("both", description="Allowed sides.")
    entry_cooldown_min: int = Field(0, ge=0, le=10_080, description="Minutes after an entry "
                                                                     "before the next one.")
    exit_interval: IntervalName = Field("1m", description="Exit rules run on each of its closes.")
    exit_atr_interval: IntervalName | None = Field(
        None, description="Interval of the ATR used by ATR-based exits; default trigger interval."
    )
    on_opposite_signal: Literal["reverse", "exit", "ignore"] = Field(
        "ignore", description="With a position open, an opposite entry signal reverses it, "
        "closes it, or is ignored (exit rules still apply)."
    )
    leverage: float = Field(1.0, ge=1.0, le=100.0, description="Leverage for the position.")
    sizing: Sizing = Field(default_factory=Sizing)
    sessions: tuple[Session, ...] = Field((), max_length=MAX_SESSIONS,
                                          description="Empty: always in session.")
    components: tuple[ComponentUse, ...] = Field(
        max_length=MAX_COMPONENTS, description="Signals, filters, guards, exits "
        f"(at most {MAX_COMPONENTS}).")

    def interval_of(self, use: ComponentUse) -> str:
        return use.interval or self.trigger_interval

    @property
    def atr_interval(self) -> str:
        return self.exit_atr_interval or self.trigger_interval

    def enabled(self) -> list[ComponentUse]:
        return [c for c in self.components if c.enabled]


def parse_template(raw: dict[str, Any], where: str) -> Template:
    """Shape validation only; see template_validation.validate_template for the rest."""
    try:
        return Template.model_validate(raw)
    except ValidationError as exc:
        raise TemplateError(describe_validation_error(exc, Template, where)) from None


def load_template_file(path: Path) -> Template:
    if not path.exists():
        raise TemplateError(f"{path}: no such template file")
    try:
        raw = load_toml(path.read_text(), str(path))
    except (UsageError, UnicodeDecodeError) as exc:
        raise TemplateError(str(exc) if isinstance(exc, UsageError) else
                            f"{path}: not UTF-8 text") from None
    raw.setdefault("name", path.stem)
    return parse_template(raw, str(path))


def template_to_toml(template: Template) -> str:
    """Write a template back as TOML (stable field order, defaults included)."""
    lines: list[str] = []
    data = template.model_dump(mode="json")
    components = data.pop("components")
    sizing = data.pop("sizing")
    sessions = data.pop("sessions")
    for key, value in data.items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    lines.append("")
    lines.append("[sizing]")
    lines.extend(f"{k} = {_toml_value(v)}" for k, v in sizing.items())
    for session in sessions:
        lines.append("")
        lines.append("[[sessions]]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in session.items())
    for comp in components:
        lines.append("")
        lines.append("[[components]]")
        params = comp.pop("params")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in comp.items() if v is not None)
        if params:
            lines.append("[components.params]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in params.items())
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


__all__ = ["STRATEGY_INTERVALS", "ComponentUse", "Session", "Sizing", "Template"]
