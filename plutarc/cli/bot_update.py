"""``plutarc bot update NAME [--to-version N]``: move a bot to another version of its template.

Template updates are opt-in: saving a template moves no bot. This pins the bot to the
latest version (or N, e.g. to roll back); its worker applies the new rules once it is flat.
"""

from __future__ import annotations

from typing import Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import console, print_json


def bot_update(
    ref: str = typer.Argument(..., help="Bot name or id."),
    to_version: int = typer.Option(None, "--to-version", min=1,
                                   help="Template version to run (default: the latest)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Move the bot to the latest (or --to-version) version of its template; the new rules
    apply once the bot is flat."""

    async def run(c: Any) -> tuple[Any, Any, Any]:
        before = await c.get_bot(ref)
        warnings: list[str] = []
        after = await c.update_bot_template(before.id, to_version, warnings)
        for warning in warnings:  # a live bot moved to a version not validated
            typer.echo(f"WARNING: {warning}", err=True)
        return before, after, await c.get_template(after.template)

    before, after, latest = call(run)
    if as_json:
        print_json(after)
        return
    was = latest.version if before.template_version is None else before.template_version
    if was == after.template_version:
        console.print(f"bot {after.name}: already on template {after.template} "
                      f"v{after.template_version}")
        return
    older = "" if after.template_version == latest.version else f" (latest v{latest.version})"
    console.print(f"bot {after.name}: template {after.template} v{was} -> "
                  f"v{after.template_version}{older}; applies once the bot is flat")
