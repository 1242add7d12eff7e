"""``plutarc notify``: channels that reach you away from the terminal, and what goes where.

A channel's apprise URL holds its credentials: it is read from a no-echo prompt, stdin or
$PLUTARC_NOTIFY_URL (never from arguments) and kept in the daemon's key store.
"""

from __future__ import annotations

import os
from typing import Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import console, emit_rows, err_console, fmt_ts, print_json, print_table
from plutarc.cli.secret_input import read_secrets
from plutarc.errors import UsageError

app = typer.Typer(no_args_is_help=True, help="Notifications: channels, routes, settings.")
URL_ENV = "PLUTARC_NOTIFY_URL"
LEVEL_MARK = {"off": "-", "info": "info", "warning": "warn", "error": "error",
              "critical": "crit"}


def _models() -> Any:
    from plutarc.daemon.api import notify_routes  # aiohttp loads only when a command runs

    return notify_routes


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Channel name, e.g. phone or ops-mail."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Add a channel: its apprise URL (tgram://, discord://, mailtos://, ntfys://, jsons://
    ...) from a no-echo prompt, one line of stdin, or $PLUTARC_NOTIFY_URL."""
    url = os.environ.pop(URL_ENV, "") or read_secrets(["apprise URL"])[0]
    m = _models()
    got = call(lambda c: c.request("POST", "/v1/notify/channels", m.ChannelResponse,
                                   body={"name": name, "url": url}), timeout_s=30.0)
    if as_json:
        print_json(got.channel)
        return
    console.print(f"added channel {got.channel.name!r} ({got.channel.address}); send a test: "
                  f"'plutarc notify test {got.channel.name}'")


@app.command("list")
def list_channels(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
                  ) -> None:
    """Channels (redacted addresses only), their queues, the routing matrix and settings."""
    m = _models()
    got = call(lambda c: c.request("GET", "/v1/notify", m.NotifyResponse))
    if as_json:
        print_json({"channels": got.channels, "routes": got.routes, "settings": got.settings})
        return
    rows = [{"name": s.channel.name, "address": s.channel.address, "queued": s.pending,
             "state": f"FAILING: {s.failing}" if s.failing else "ok",
             "added": fmt_ts(s.channel.created_ms)} for s in got.channels]
    emit_rows(rows, ["name", "address", "queued", "state", "added"], False, title="Channels")
    names = [s.channel.name for s in got.channels]
    if names:
        matrix: dict[str, dict[str, Any]] = {}
        for r in got.routes:
            row = matrix.setdefault(r.kind.value, {"kind": r.kind.value})
            row[r.channel] = LEVEL_MARK.get(r.level, r.level) + ("" if r.default else " *")
        print_table(list(matrix.values()), ["kind", *names],
                    title="Routes: minimum severity sent (- off, * changed)")
    s = got.settings
    console.print(f"repeats folded for {s.dedup_window_s} s; at most {s.max_per_hour} "
                  f"messages an hour per channel; daily summary at "
                  f"{s.summary_at + ' UTC' if s.summary_at else 'never'}")


@app.command("remove")
def remove(name: str = typer.Argument(..., help="The channel's name.")) -> None:
    """Remove a channel, its URL and its queued messages."""
    m = _models()
    got = call(lambda c: c.request("DELETE", f"/v1/notify/channels/{name}", m.ChannelResponse))
    console.print(f"removed channel {got.channel.name!r}")


@app.command("test")
def test(
    name: str = typer.Argument(..., help="The channel's name."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Send one test message now (exit 1 when it was not delivered)."""
    m = _models()
    got = call(lambda c: c.request("POST", f"/v1/notify/channels/{name}/test", m.TestResponse),
               timeout_s=330.0)
    if as_json:
        print_json(got)
    elif got.ok:
        console.print(f"channel {got.channel!r}: {got.message}")
    else:
        err_console.print(f"channel {got.channel!r} failed: {got.message}")
    if not got.ok:
        raise typer.Exit(1)


@app.command("summary")
def summary(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
            ) -> None:
    """Send the daily summary of the last 24 h now, and print it."""
    m = _models()
    got = call(lambda c: c.request("POST", "/v1/notify/summary", m.SummaryResponse))
    if as_json:
        print_json(got)
        return
    console.print(got.summary)
    console.print(f"[dim]queued for {got.queued} channels[/dim]")


@app.command("route")
def route(
    channel: str = typer.Argument(..., help="Channel name, or '*' for every channel."),
    kind: str = typer.Argument(..., help="bot_errored, venue_outage, fills, ... or '*'."),
    level: str = typer.Argument(..., help="off, info, warning, error or critical: the "
                                "minimum severity sent."),
) -> None:
    """Route a kind of event to a channel from a minimum severity, or turn it off."""
    m = _models()
    got = call(lambda c: c.request("PUT", "/v1/notify/routes", m.RoutesResponse,
                                   body={"channel": channel, "kind": kind, "level": level}))
    for r in got.routes:
        console.print(f"{r.channel}: {r.kind.value} -> {r.level}"
                      + (" (the default)" if r.default else ""))


@app.command("set")
def set_settings(
    dedup_window_s: int | None = typer.Option(None, "--dedup-window-s", help="Fold repeats "
                                              "of one story within this many seconds."),
    max_per_hour: int | None = typer.Option(None, "--max-per-hour", help="Messages per "
                                            "channel per hour before holding them back."),
    summary_at: str | None = typer.Option(None, "--summary-at", help="Daily summary time, "
                                          "HH:MM UTC, or 'off'."),
    max_age_s: int | None = typer.Option(None, "--max-age-s", help="Drop messages not "
                                         "delivered within this many seconds."),
    timeout_s: float | None = typer.Option(None, "--timeout-s", help="One delivery attempt "
                                           "at most this long."),
) -> None:
    """Change how often and when messages are sent."""
    body = {k: v for k, v in {"dedup_window_s": dedup_window_s, "max_per_hour": max_per_hour,
                              "summary_at": summary_at, "max_age_s": max_age_s,
                              "timeout_s": timeout_s}.items() if v is not None}
    if not body:
        raise UsageError("nothing to change: give at least one option (see --help)")
    m = _models()
    got = call(lambda c: c.request("PUT", "/v1/notify/settings", m.SettingsResponse,
                                   body=body))
    s = got.settings
    console.print(f"dedup window {s.dedup_window_s} s, at most {s.max_per_hour} an hour, "
                  f"summary at {s.summary_at or 'never'} UTC, messages kept {s.max_age_s} s, "
                  f"attempts time out after {s.timeout_s:g} s")
