"""``plutarc keys``: add, list, test and remove venue API keys through the daemon.

Secrets are read from a no-echo prompt or stdin (one part per line), never from arguments,
and travel once, to the daemon, which keeps them in the OS keyring or its encrypted file.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import console, emit_rows, err_console, fmt_ts, print_json
from plutarc.cli.secret_input import read_secrets
from plutarc.errors import UsageError

app = typer.Typer(no_args_is_help=True, help="Manage venue API keys.")

LIST_COLUMNS = ["label", "venue", "network", "key", "created", "last_used", "store"]


def _row(info: Any) -> dict[str, Any]:
    return {"label": info.label, "venue": info.venue,
            "network": "testnet" if info.testnet else "live", "key": info.key_hint,
            "created": fmt_ts(info.created_ms), "last_used": fmt_ts(info.last_used_ms),
            "store": info.backend}


@app.command("add")
def add(
    venue: str = typer.Argument(..., help="Venue: bitmex, binance, bybit, okx, ..."),
    testnet: bool = typer.Option(False, "--testnet", help="A testnet key (not live money)."),
    label: str | None = typer.Option(None, "--label", help="Name bots use as their account "
                                     "(default: VENUE or VENUE-testnet)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Store a key: prompts without echo, or reads key id, secret[, passphrase] from stdin."""
    from plutarc.keys.venues import key_shape

    shape = key_shape(venue)
    prompts = ["API key id", "API secret"] + (["API passphrase"] if shape.needs_passphrase
                                              else [])
    parts = read_secrets(prompts)
    name = label or (f"{shape.venue}-testnet" if testnet else shape.venue)
    info = call(lambda c: c.add_key(name, shape.venue, testnet, parts[0], parts[1],
                                    parts[2] if len(parts) > 2 else None))
    if as_json:
        print_json(info)
        return
    where = "testnet" if info.testnet else "LIVE"
    console.print(f"stored key {info.label!r} ({info.venue} {where}, key {info.key_hint}) in "
                  f"the {info.backend}; check it with 'plutarc keys test {info.label}'")


@app.command("list")
def list_keys(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
              ) -> None:
    """Every stored key's label, venue, network, creation and last use; never a secret."""
    got = call(lambda c: c.list_keys())
    if as_json:
        print_json({"keystore": got.keystore, "keys": got.keys})
        return
    store = got.keystore
    if store.locked:
        err_console.print(f"[yellow]the key file {store.location} is locked: run 'plutarc "
                          "keys unlock'[/yellow]")
    emit_rows([_row(k) for k in got.keys], LIST_COLUMNS, False, title="Keys")


@app.command("test")
def test(
    label: str = typer.Argument(..., help="The key's label."),
    url: str | None = typer.Option(None, "--url", help="REST base to test against: the "
                                   "venue's own, or one listed in [daemon] venue_urls (e.g. "
                                   "a local simulator's http://127.0.0.1:8787/api/v1)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """One authenticated read at the venue with this key (exit 1 when it fails)."""
    result = call(lambda c: c.test_key(label, url), timeout_s=30.0)
    if as_json:
        print_json(result)
    elif result.ok:
        console.print(f"key {result.label!r} works at {result.endpoint}: {result.message}")
    else:
        err_console.print(f"key {result.label!r} failed at {result.endpoint}: {result.message}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("remove")
def remove(
    label: str = typer.Argument(..., help="The key's label."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a key from the keyring or key file, and its listing."""
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("removing a key needs confirmation: add --yes")
        typer.confirm(f"remove key {label!r}? bots using it can no longer trade", abort=True)
    info = call(lambda c: c.remove_key(label))
    console.print(f"removed key {info.label!r} ({info.venue})")


@app.command("unlock")
def unlock() -> None:
    """Unlock the daemon's encrypted key file (prompt, stdin, or PLUTARC_KEYS_PASSPHRASE)."""
    passphrase = os.environ.get("PLUTARC_KEYS_PASSPHRASE") or read_secrets(
        ["key file passphrase"])[0]
    store = call(lambda c: c.unlock_keys(passphrase), timeout_s=30.0)
    console.print(f"key file {store.location} is unlocked")
