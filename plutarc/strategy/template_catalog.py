"""Where templates live: system templates in configs/templates, the user's in the config dir."""

from __future__ import annotations

import os
from pathlib import Path

from plutarc.errors import TemplateError
from plutarc.paths import resolve_paths
from plutarc.strategy.template import Template, load_template_file
from plutarc.validation import closest


def system_templates_dir() -> Path:
    override = os.environ.get("PLUTARC_SYSTEM_TEMPLATES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "configs" / "templates"


def user_templates_dir() -> Path:
    return resolve_paths().templates_dir


def available() -> dict[str, tuple[Path, str]]:
    """name -> (path, "system" | "user"); a user template shadows a system one."""
    found: dict[str, tuple[Path, str]] = {}
    for origin, directory in (("system", system_templates_dir()), ("user", user_templates_dir())):
        if directory.is_dir():
            for path in sorted(directory.glob("*.toml")):
                found[path.stem] = (path, origin)
    return found


def find_template(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or os.sep in name_or_path:
        if not candidate.exists():
            raise TemplateError(f"{candidate}: no such template file")
        return candidate
    found = available()
    if name_or_path in found:
        return found[name_or_path][0]
    suggestion = closest(name_or_path, found)
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    raise TemplateError(f"unknown template {name_or_path!r}{hint} (see 'plutarc template list')")


def load_template(name_or_path: str) -> Template:
    return load_template_file(find_template(name_or_path))
