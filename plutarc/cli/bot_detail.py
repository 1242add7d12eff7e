"""``plutarc bot show``'s uptime, heartbeat, template version and state-history lines."""

from __future__ import annotations

from typing import Any

from plutarc.cli.output import fmt_ts, print_table


def duration(seconds: float | None) -> str:
    """``3d 4h 05m``, ``12m 30s``; '-' when not running."""
    if seconds is None:
        return "-"
    whole = int(seconds)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def detail_fields(detail: Any) -> dict[str, str]:
    """Uptime since the last start, heartbeat age and template version (and the latest)."""
    template = f"{detail.template} v{detail.template_version}"
    if None not in (detail.template_version, detail.template_latest) and (
            detail.template_version < detail.template_latest):
        template += f" (v{detail.template_latest} saved: 'plutarc bot update' moves it)"
    return {
        "template": template,
        "uptime": duration(detail.uptime_s),
        "running since": fmt_ts(detail.running_since_ms),
        "heartbeat": "-" if detail.heartbeat_age_s is None
        else f"{duration(detail.heartbeat_age_s)} ago",
    }


def print_history(detail: Any) -> None:
    rows = [{"at": fmt_ts(c.ts_ms), "from": c.from_state or "(created)", "to": c.to_state,
             "reason": c.reason} for c in detail.history]
    print_table(rows, ["at", "from", "to", "reason"], title="State history (newest last)")
