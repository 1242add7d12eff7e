"""Template checks the daemon runs before storing a template or pointing a bot at one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plutarc.errors import TemplateError, UsageError
from plutarc.untrusted import load_toml

TemplateValidator = Callable[[str, str], None]
"""``validate(name, toml_text)``: raise TemplateError listing every problem, else return."""

MAX_TEMPLATE_BYTES = 256 * 1024


def parse_template_text(name: str, toml_text: str) -> dict[str, Any]:
    """Size and TOML syntax: the checks that need nothing but the text."""
    if len(toml_text.encode()) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"template {name!r} is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
    try:
        parsed = load_toml(toml_text, f"template {name!r}")
    except UsageError as exc:
        raise TemplateError(str(exc)) from None
    if not parsed:
        raise TemplateError(f"template {name!r} is empty")
    return parsed


def check_strategy_template(name: str, toml_text: str) -> None:
    """Everything a bot needs from a template: shape, components, parameters, intervals.

    The same validation ``plutarc template validate`` and the backtester run, so a template
    the daemon accepts is one the strategy engine can build.
    """
    from plutarc.strategy.template import parse_template
    from plutarc.strategy.template_validation import validate_template

    raw = parse_template_text(name, toml_text)
    declared = raw.setdefault("name", name)
    if declared != name:
        raise TemplateError(f"template text names itself {declared!r} but is stored as {name!r}: "
                            "make the two agree")
    validate_template(parse_template(raw, f"template {name!r}"))
