"""Local template files to the daemon: store one when a bot needs it, push one on request."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from plutarc.errors import TemplateError
from plutarc.strategy.template_catalog import available, find_template


def local_template(name_or_path: str) -> tuple[str, str, Path]:
    """(the name the template declares, its TOML text, its file) for a name or a file path."""
    path = find_template(name_or_path)
    text = path.read_text()
    try:
        declared = tomllib.loads(text).get("name")
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path}: not valid TOML: {exc}") from None
    if not isinstance(declared, str) or not declared:
        raise TemplateError(f"{path}: the template has no name = \"...\" line")
    return declared, text, path


async def push(client: Any, name_or_path: str) -> tuple[Any, Path, int | None]:
    """Store or update a template in the daemon (validated there; versioned): the stored
    record, the file, and the version the daemon held before (None: it had none)."""
    from plutarc.daemon.errors import NotFound

    name, text, path = local_template(name_or_path)
    try:
        before: int | None = (await client.get_template(name)).version
    except NotFound:
        before = None
    return await client.put_template(name, text), path, before


async def ensure_stored(client: Any, name: str) -> str | None:
    """Make the daemon hold template ``name`` before a bot uses it.

    Absent from the daemon: the user's or the shipped file of that name is stored (version 1).
    Present: the daemon's version is used as it is (a new version there would be one more for
    the bots on it to opt in to); a note says so when the local file differs."""
    from plutarc.daemon.errors import NotFound

    try:
        stored = await client.get_template(name)
    except NotFound:
        declared, _, path = local_template(name)  # unknown: the error names the closest
        if declared != name:
            raise TemplateError(f"{path} names itself {declared!r}, not {name!r}: "
                                f"create the bot with --template {declared}") from None
        record, path, _ = await push(client, name)
        return f"stored template {record.name} v{record.version} in the daemon from {path}"
    local = available().get(name)
    if local is not None and local[0].read_text().strip() != stored.toml.strip():
        return (f"using the daemon's template {name} v{stored.version}; {local[0]} differs "
                f"(update the daemon with 'plutarc template push {name}')")
    return None
