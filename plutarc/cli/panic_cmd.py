"""``plutarc panic``: the kill switch. Every bot paused, its orders cancelled, positions closed."""

from __future__ import annotations

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import console, err_console, print_json


def panic(
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    note: str = typer.Option("", "--note", help="Why, for the audit log."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Kill switch: pause every bot, cancel its orders and flatten its positions."""
    if not yes and not typer.confirm(
            "KILL SWITCH: pause every bot, cancel every order and close every position?"):
        raise typer.Abort()
    report = call(lambda c: c.panic(note))
    if as_json:
        print_json(report)
        if not report.verified:
            raise typer.Exit(1)
        return
    console.print(f"kill switch engaged by {report.by}: {len(report.halted)} bots paused "
                  "('kill switch'), cancelling and flattening")
    for name in report.halted:
        console.print(f"  {name}")
    for left in report.left_open:
        err_console.print(f"not closed: {left.bot} ({left.state}) holds {left.qty} "
                          f"{left.symbol}: no worker runs for it; close it at the venue")
    if report.verified:
        console.print("verified: no open orders, no positions")
    else:
        err_console.print("NOT verified: asked again afterwards, the venues still show:")
        for line in report.remaining:
            err_console.print(f"  {line}")
    console.print("bots stay paused: resume each one when it is safe ('plutarc bot resume')")
    if not report.verified:
        raise typer.Exit(1)
