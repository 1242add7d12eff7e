"""``plutarc access``: named tokens with a role, for clients other than the daemon's user."""

from __future__ import annotations

from typing import Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import console, emit_rows, fmt_ts, print_json

app = typer.Typer(no_args_is_help=True, help="Grant, list and revoke access tokens.")

LIST_COLUMNS = ["name", "role", "created", "by", "last_used"]


def _row(info: Any) -> dict[str, Any]:
    return {"name": info.name, "role": info.role.value, "created": fmt_ts(info.created_ms),
            "by": info.created_by, "last_used": fmt_ts(info.last_used_ms)}


@app.command("grant")
def grant(
    name: str = typer.Argument(..., help="Who the token is for; the audit log shows "
                               "token:NAME."),
    role: str = typer.Option(..., "--role", help="viewer, trader, risk or admin."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Issue a token and print it once: it is stored only as a hash."""
    got = call(lambda c: c.grant_token(name, role))
    if as_json:
        print_json({"token": got.token, "secret": got.secret})
        return
    console.print(f"token for {got.token.name!r} (role {got.token.role}); shown this once, "
                  "give it to its holder as PLUTARC_TOKEN:")
    print(got.secret)


@app.command("list")
def list_tokens(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
                ) -> None:
    """Every token's name, role, creation and last use (never the token)."""
    tokens = call(lambda c: c.list_tokens())
    emit_rows(tokens if as_json else [_row(t) for t in tokens], LIST_COLUMNS, as_json,
              title="Tokens")


@app.command("revoke")
def revoke(name: str = typer.Argument(..., help="The token's name.")) -> None:
    """Revoke a token at once: its next request is refused."""
    info = call(lambda c: c.revoke_token(name))
    console.print(f"revoked token {info.name!r} ({info.role})")


@app.command("whoami")
def whoami(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
           ) -> None:
    """Who the daemon thinks you are, your role and its permissions."""
    me = call(lambda c: c.whoami())
    if as_json:
        print_json(me)
        return
    console.print(f"{me.name} ({me.role}, via {me.via}): "
                  f"{', '.join(p.value for p in me.permissions)}")
