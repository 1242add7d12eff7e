"""Turn pydantic validation errors into one plain sentence per problem."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from pydantic import BaseModel, ValidationError


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
            messages.append(f"{where}: {path}: {err['msg']}")
    return messages
