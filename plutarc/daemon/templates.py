"""Template checks the daemon runs before storing a template or pointing a bot at one."""

from __future__ import annotations

import tomllib
from collections.abc import Callable

from plutarc.errors import TemplateError

TemplateValidator = Callable[[str, str], None]
"""``validate(name, toml_text)``: raise TemplateError listing every problem, else return."""

MAX_TEMPLATE_BYTES = 256 * 1024


def check_template_syntax(name: str, toml_text: str) -> None:
    """The checks every template must pass: size, valid TOML, a non-empty table.

    The strategy package checks the contents (components, parameters); the daemon is given
    that validator at start (see ``DaemonService``) and falls back to this one.
    """
    if len(toml_text.encode()) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"template {name!r} is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
    try:
        parsed = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"template {name!r} is not valid TOML: {exc}") from None
    if not parsed:
        raise TemplateError(f"template {name!r} is empty")
