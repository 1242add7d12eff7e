"""What a notification is about: the event kinds a trader can route, and which event is which.

``classify`` reads one stored event (any object with kind, severity, message, data) and
names its notification kind, or None for the many events nobody wants on a phone. It
works on the event's ``kind`` and ``data`` keys its producers set; the message text is
used only where a producer gives nothing else (venue recovery).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

SEVERITIES = ("debug", "info", "warning", "error", "critical")
OFF = "off"
LEVELS = (OFF, "info", "warning", "error", "critical")  # a route's minimum severity, or off
# Events the notifier itself emits (a channel failing) carry this key and are never routed:
# a failing channel must not feed its own queue.
NOTIFIER_MARK = "notify_channel"


class NotifyKind(StrEnum):
    BOT_ERRORED = "bot_errored"
    BOT_HELD = "bot_held"  # paused by a final error until an operator clears it
    VENUE_OUTAGE = "venue_outage"
    VENUE_RECOVERED = "venue_recovered"
    RISK_DAILY_LOSS = "risk_daily_loss"
    RISK_DRAWDOWN = "risk_drawdown"
    DAILY_TARGET = "daily_target"
    KILL_SWITCH = "kill_switch"
    RECONCILE_MISMATCH = "reconcile_mismatch"
    IN_DOUBT_ORDER = "in_doubt_order"
    LIQUIDATION = "liquidation"
    OTHER_ALERT = "other_alert"  # any other ALERT: a 3 am trader would rather know
    DAEMON_STARTED = "daemon_started"  # a reboot or crash at night: the bots were restored
    FILLS = "fills"
    DAILY_SUMMARY = "daily_summary"


K = NotifyKind
# The default minimum severity per kind (OFF: not sent until a route turns it on). Risk
# halts are warnings and their clears are info: by default the halt is sent, not the clear.
DEFAULT_LEVELS: dict[NotifyKind, str] = {
    K.BOT_ERRORED: "info", K.BOT_HELD: "info", K.VENUE_OUTAGE: "info",
    K.VENUE_RECOVERED: "info", K.RISK_DAILY_LOSS: "info", K.RISK_DRAWDOWN: "warning",
    K.DAILY_TARGET: "warning", K.KILL_SWITCH: "info", K.RECONCILE_MISMATCH: "info",
    K.IN_DOUBT_ORDER: "warning", K.LIQUIDATION: "info", K.OTHER_ALERT: "warning",
    K.DAEMON_STARTED: "info", K.FILLS: OFF, K.DAILY_SUMMARY: "info",
}

# Kinds folded together when they repeat: an outage and its recovery flapping are one story.
DEDUP_GROUP: dict[NotifyKind, str] = {K.VENUE_OUTAGE: "venue", K.VENUE_RECOVERED: "venue"}
# Never held back by the hourly cap: the trader must hear these even in a storm.
URGENT = frozenset({K.KILL_SWITCH, K.LIQUIDATION})


class EventLike(Protocol):
    kind: Any
    severity: Any
    message: str
    bot_id: str | None
    data: Mapping[str, Any]


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 1


def passes(severity: str, level: str) -> bool:
    """True when an event of ``severity`` reaches a route whose minimum is ``level``."""
    return level != OFF and severity_rank(severity) >= severity_rank(level)


def _alert_kind(data: Mapping[str, Any]) -> NotifyKind:
    if data.get("kill_switch"):
        return K.KILL_SWITCH
    if "fill_ids" in data and "cancelled_by_venue" in data:
        return K.LIQUIDATION
    if data.get("outage"):
        return K.VENUE_OUTAGE
    if "venue_qty" in data and "bot_qty" in data:
        return K.RECONCILE_MISMATCH
    if data.get("needs_operator"):
        return K.BOT_HELD
    return K.OTHER_ALERT


def _risk_kind(data: Mapping[str, Any]) -> NotifyKind | None:
    change = str(data.get("change", ""))
    if change.startswith("drawdown_"):
        return K.RISK_DRAWDOWN
    if change.startswith("target_"):
        return K.DAILY_TARGET
    if data.get("rule") == "daily_loss" and data.get("action") == "halted":
        return K.RISK_DAILY_LOSS
    return None  # per-order blocks and clamps are in the event feed, not on the phone


def classify(event: EventLike) -> NotifyKind | None:
    kind, data = str(event.kind), event.data or {}
    if NOTIFIER_MARK in data:
        return None
    if kind == "alert":
        found = _alert_kind(data)
        # a hold that follows a risk halt repeats what the halt's own message said
        if found is K.BOT_HELD and data.get("rule") == "daily_loss":
            return None
        return found
    if kind == "bot_state":
        return K.BOT_ERRORED if data.get("to") == "errored" else None
    if kind == "risk":
        return _risk_kind(data)
    if kind == "order":
        return K.IN_DOUBT_ORDER if data.get("status") == "in_doubt" else None
    if kind == "fill":
        return K.FILLS
    if kind == "activity" and "attempts" in data and event.message.startswith("connected to"):
        return K.VENUE_RECOVERED
    if kind == "health" and "pid" in data and event.message.startswith("daemon started"):
        return K.DAEMON_STARTED
    return None


def parse_kind(text: str) -> NotifyKind:
    """``text`` as a kind, or a ValueError naming the kinds."""
    try:
        return NotifyKind(text.strip().lower().replace("-", "_"))
    except ValueError:
        names = ", ".join(k.value for k in NotifyKind)
        raise ValueError(f"unknown notification kind {text!r}; kinds: {names}") from None


def parse_level(text: str) -> str:
    level = text.strip().lower()
    if level not in LEVELS:
        raise ValueError(f"unknown level {text!r}; choose one of: {', '.join(LEVELS)}")
    return level
