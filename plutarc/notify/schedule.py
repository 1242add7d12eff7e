"""When the daily summary is due: the next HH:MM UTC after a given time."""

from __future__ import annotations

DAY_MS = 86_400_000


def next_at(hhmm: str | None, after_ms: int) -> int | None:
    """The first instant strictly after ``after_ms`` that is ``hhmm`` UTC; None for none."""
    if hhmm is None:
        return None
    hours, minutes = (int(p) for p in hhmm.split(":"))
    offset = (hours * 60 + minutes) * 60_000
    day = after_ms - after_ms % DAY_MS
    due = day + offset
    return due if due > after_ms else due + DAY_MS
