"""``plutarc access``: named tokens with a role, for clients other than the daemon's user."""

from __future__ import annotations

from typing import Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import console, emit_rows, fmt_ts, print_json

app = typer.Typer(no_args_is_help=True, help="Grant, list and revoke access tokens.")

LIST_COLUMNS = ["name", "role", "created", "by", "last_used", "expires"]


def _row(info: Any) -> dict[str, Any]:
    return {"name": info.name, "role": info.role.value, "created": fmt_ts(info.created_ms),
            "by": info.created_by, "last_used": fmt_ts(info.last_used_ms),
            "expires": fmt_ts(info.expires_ms) if info.expires_ms else "never"}


def _lifetime_s(text: str) -> int:
    from plutarc.cli.audit_cmd import _DURATION, _UNIT_S
    from plutarc.errors import UsageError

    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise UsageError(f"--expires {text!r}: give a lifetime like 12h, 30d or 8w")
    return int(match.group(1)) * _UNIT_S[match.group(2)]


@app.command("grant")
def grant(
    name: str = typer.Argument(..., help="Who the token is for; the audit log shows "
                               "token:NAME."),
    role: str = typer.Option(..., "--role", help="viewer, trader, risk or admin."),
    expires: str | None = typer.Option(None, "--expires", help="Lifetime, e.g. 12h, 30d, 8w "
                                       "(default: until revoked)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Issue a token and print it once: it is stored only as a hash."""
    lifetime_s = None if expires is None else _lifetime_s(expires)
    got = call(lambda c: c.grant_token(name, role, lifetime_s))
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
