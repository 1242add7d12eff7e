"""Parse untrusted JSON and TOML into plain data, within bounds; any failure is one line.

The standard parsers fail in more ways than their ``DecodeError``: bytes that are not UTF-8
raise UnicodeDecodeError, a value nested a few thousand deep raises RecursionError, an
integer of more than 4,300 digits raises ValueError, and JSON's ``NaN``/``Infinity``/``1e999``
come back as non-finite floats. A caller must see one of these as a refusal of the input
(a 400), never as a bug (a 500 with a traceback).
"""

from __future__ import annotations

import json
import math
import tomllib
from typing import Any

from plutarc.errors import UsageError
from plutarc.validation import MAX_INT

MAX_DEPTH = 32
"""Deepest nesting of objects and arrays we accept; our own documents nest 4 levels at most."""
_MAX_INT_DIGITS = len(str(MAX_INT))


class _Refused(ValueError):
    """Raised from inside a parser hook; carries the one-line reason."""


def _refuse_constant(name: str) -> float:
    raise _Refused(f"{name} is not a number (numbers must be finite)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"{_short(text)} is out of range (numbers must be finite)")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS or abs(value := int(text)) > MAX_INT:
        raise _Refused(f"the integer {_short(text)} is too large")
    return value


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}...({len(text)} characters)"


def check_depth(data: Any, max_depth: int = MAX_DEPTH) -> int:
    """The nesting depth of ``data``; UsageError when it exceeds ``max_depth``.

    Iterative, so that measuring a deep value cannot itself hit the recursion limit."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list | tuple):
            if depth > max_depth:
                raise UsageError(f"nested more than {max_depth} levels deep")
            deepest = max(deepest, depth)
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return deepest


def load_json(raw: bytes | str, where: str, max_depth: int = MAX_DEPTH) -> Any:
    """``raw`` as JSON data, or UsageError("<where> is not valid JSON: <one reason>")."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise UsageError(f"{where} is not valid UTF-8 (byte {exc.object[exc.start]:#04x} at "
                         f"offset {exc.start})") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float,
                          parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where} is not valid JSON: {exc}") from None
    except _Refused as exc:
        raise UsageError(f"{where}: {exc}") from None
    except RecursionError:
        raise UsageError(f"{where} is nested more than {max_depth} levels deep") from None
    except ValueError as exc:  # e.g. the interpreter's own integer-size limit
        raise UsageError(f"{where} is not valid JSON: {str(exc).splitlines()[0]}") from None
    try:
        check_depth(data, max_depth)
    except UsageError as exc:
        raise UsageError(f"{where} is {exc}") from None
    return data


def load_toml(text: str, where: str, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """``text`` as TOML data, or UsageError("<where> is not valid TOML: <one reason>").

    Non-finite floats (TOML has ``inf`` and ``nan``) are left to the schema, which names the
    field; this only refuses what the schema could not see: syntax, nesting, huge integers."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{where} is not valid TOML: {exc}") from None
    except RecursionError:
        raise UsageError(f"{where} is nested more than {max_depth} levels deep") from None
    except ValueError as exc:  # e.g. an integer longer than the interpreter allows
        raise UsageError(f"{where} is not valid TOML: {str(exc).splitlines()[0]}") from None
    try:
        check_depth(data, max_depth)
    except UsageError as exc:
        raise UsageError(f"{where} is {exc}") from None
    return data
