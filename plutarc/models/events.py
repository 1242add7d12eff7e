"""Events: every step of every bot is one, stored and streamed."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class EventKind(StrEnum):
    CANDLE_CLOSED = "candle_closed"
    DECISION = "decision"
    ORDER = "order"
    FILL = "fill"
    POSITION = "position"
    TRADE = "trade"
    BOT_STATE = "bot_state"
    ACTIVITY = "activity"
    RISK = "risk"
    ALERT = "alert"
    HEALTH = "health"


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    ts_ms: int
    message: str
    bot_id: str | None = None
    severity: Severity = Severity.INFO
    data: dict[str, Any] = field(default_factory=dict)
