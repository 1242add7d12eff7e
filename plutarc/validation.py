"""Boundary checks: pydantic errors as one plain sentence each, and numbers that are numbers."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def check_name(value: str, what: str = "name") -> str:
    """A bot, template, key, token or channel name: 1-40 of a-z 0-9 - _ (ValueError if not)."""
    if not NAME_PATTERN.fullmatch(value):
        raise ValueError(
            f"{what} {value!r} must be 1-40 characters: lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return value


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to ``word``, if any is near enough to suggest."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.5)
    return matches[0] if matches else None


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Valid field names of the (nested) model at ``loc``; empty when it cannot be followed."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None or isinstance(part, int):
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        annotation = field.annotation
        current = annotation if isinstance(annotation, type) and issubclass(
            annotation, BaseModel
        ) else None
    return list(current.model_fields) if current is not None else []


def describe_validation_error(
    exc: ValidationError, model: type[BaseModel], where: str
) -> list[str]:
    """One message per error, naming the key and, for an unknown key, the closest valid one."""
    messages = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            suggestion = closest(key, _fields_at(model, loc[:-1]))
            hint = f"; did you mean {suggestion!r}?" if suggestion else ""
            messages.append(f"{where}: unknown key {path!r}{hint}")
        else:
            message = err["msg"].removeprefix("Value error, ")  # pydantic's, says nothing
            messages.append(f"{where}: {path}: {message}")
    return messages


# ----- numbers crossing a boundary ------------------------------------------------------------
MAX_AMOUNT = 1e12
"""Largest money amount (quote currency) any limit or size may name: beyond it is a typo."""
MAX_INT = 2**63 - 1
"""Largest integer anything stores (SQLite's INTEGER); a bigger one is refused, not an overflow."""


def _numeric_types(annotation: Any) -> set[type]:
    """The scalar types an annotation admits (unions and Optional unfolded)."""
    if annotation in (int, float, Decimal, bool):
        return {annotation}
    found: set[type] = set()
    for arg in get_args(annotation):
        found |= _numeric_types(arg)
    return found


def finite_number(value: Any, where: str) -> float | int:
    """``value`` as a finite real number, or ValueError in one line (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{where}: must be a number, got {value!r}")
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ValueError(f"{where}: {_short(value)} is too large")
        return value
    if not math.isfinite(value):
        raise ValueError(f"{where}: must be a finite number, got {value!r}")
    return float(value)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else f"{text[:10]}...({len(text)} digits)"


class CheckedModel(BaseModel):
    """Base of models that cross a boundary (settings, templates, limits, requests).

    Unknown keys are refused, numbers are finite (NaN passes every ``<``/``>`` bound, so it
    must be refused by name), ``true`` is not a number, and an integer fits in 64 bits.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_are_not_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            kinds = _numeric_types(cls.model_fields[info.field_name].annotation)
            if kinds and bool not in kinds:
                raise ValueError(f"must be a number, not {str(value).lower()}")
        return value

    @field_validator("*")
    @classmethod
    def _integers_fit(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            raise ValueError(f"{_short(value)} is too large")
        return value
