"""Trading sessions: is a moment inside one of a template's sessions, and when is the next one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from plutarc.strategy.template import WEEKDAYS, Session

DAY_MS = 86_400_000
QUARTER_S = 15 * 60
QUARTER_MS = QUARTER_S * 1000


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _local_fields(ts_ms: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """(weekday Mon=0, minute of day) in ``tz`` for epoch-ms times, vectorised."""
    ts_ms = np.asarray(ts_ms, dtype=np.int64)
    if tz != "UTC":
        ts_ms = ts_ms + _utc_offsets_ms(ts_ms, ZoneInfo(tz))
    minutes = ts_ms // 60_000
    return (minutes // 1440 + 3) % 7, minutes % 1440  # 1970-01-01 was a Thursday


def _utc_offsets_ms(ts_ms: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """The zone's UTC offset at each moment. Offsets change only on quarter hours, so they
    are looked up once per distinct quarter hour (a year of minutes: 35k lookups)."""
    quarters, where = np.unique(ts_ms // QUARTER_MS, return_inverse=True)
    offsets = np.fromiter(
        (datetime.fromtimestamp(int(q) * QUARTER_S, tz=zone).utcoffset().total_seconds()
         for q in quarters), dtype=np.float64, count=quarters.size)
    return (offsets * 1000).astype(np.int64)[where.reshape(ts_ms.shape)]


def in_sessions(ts_ms: np.ndarray, sessions: Sequence[Session]) -> np.ndarray:
    """True where the moment falls inside any session (always True without sessions)."""
    ts_ms = np.asarray(ts_ms, dtype=np.int64)
    if not sessions:
        return np.ones(ts_ms.shape, dtype=bool)
    inside = np.zeros(ts_ms.shape, dtype=bool)
    for session in sessions:
        weekday, minute = _local_fields(ts_ms, session.timezone)
        days = np.array([WEEKDAYS.index(d) for d in session.days])
        start, end = _minutes(session.start), _minutes(session.end)
        if start < end:
            inside |= np.isin(weekday, days) & (minute >= start) & (minute < end)
        else:  # runs past midnight: the part after midnight belongs to the previous day
            inside |= np.isin(weekday, days) & (minute >= start)
            inside |= np.isin((weekday - 1) % 7, days) & (minute < end)
    return inside


def next_session_start(now_ms: int, sessions: Sequence[Session]) -> int | None:
    """The first moment at or after ``now_ms`` that is inside a session (None without
    sessions); searched minute by minute over a week, in vectorised steps."""
    if not sessions:
        return None
    week = np.arange(now_ms - now_ms % 60_000, now_ms + 8 * DAY_MS, 60_000, dtype=np.int64)
    week = week[week >= now_ms] if week.size and week[0] < now_ms else week
    hits = np.flatnonzero(in_sessions(week, sessions))
    return int(week[hits[0]]) if hits.size else None


def describe(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def local_time(ts_ms: int, tz: str) -> datetime:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(ZoneInfo(tz))


__all__ = ["describe", "in_sessions", "local_time", "next_session_start"]
