"""``plutarc audit``: read the daemon's append-only audit log (who changed what, when)."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import typer

from plutarc.cli.api_client import call
from plutarc.cli.output import emit_rows, fmt_ts
from plutarc.errors import UsageError

COLUMNS = ["id", "when", "who", "action", "target", "change"]
_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_since(text: str, now_ms: int) -> int:
    """'30m', '2h', '7d' ago; an ISO date or time (UTC unless it says); or epoch ms."""
    text = text.strip()
    if match := _DURATION.match(text):
        return now_ms - int(match.group(1)) * _UNIT_S[match.group(2)] * 1000
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since {text!r}: give a duration like 30m, 2h or 7d, an ISO date "
                         "like 2024-05-01 or 2024-05-01T12:00, or epoch milliseconds") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def _change(record: Any) -> str:
    def short(value: Any) -> str:
        text = json.dumps(value, sort_keys=True, default=str)
        return text if len(text) <= 60 else text[:57] + "..."

    if record.before is None:
        return "+ " + short(record.after) if record.after is not None else ""
    if record.after is None:
        return "- " + short(record.before)
    if isinstance(record.before, dict) and isinstance(record.after, dict):
        keys = sorted(k for k in record.before.keys() | record.after.keys()
                      if record.before.get(k) != record.after.get(k))
        return ", ".join(f"{k}: {short(record.before.get(k))} -> {short(record.after.get(k))}"
                         for k in keys[:3]) + (" ..." if len(keys) > 3 else "")
    return f"{short(record.before)} -> {short(record.after)}"


def audit(
    since: str | None = typer.Option(None, "--since", help="30m, 2h, 7d, 2024-05-01 or ms."),
    who: str | None = typer.Option(None, "--who", help="A Unix user name, or token:NAME."),
    target: str | None = typer.Option(None, "--target", help="A bot id, template, key, ..."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="At most this many."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Who changed what and when, with the before and after of each change."""
    since_ms = None if since is None else parse_since(since, int(time.time() * 1000))
    rows = call(lambda c: c.audit(target=target, limit=limit, who=who, since_ms=since_ms))
    if as_json:
        emit_rows(rows, COLUMNS, True)
        return
    emit_rows([{"id": r.id, "when": fmt_ts(r.ts_ms), "who": r.who, "action": r.action,
                "target": r.target, "change": _change(r)} for r in rows], COLUMNS, False,
              title="Audit")
