"""Clocks: code below the daemon never reads the wall clock directly, it takes a Clock."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch, UTC."""
        ...


class WallClock:
    """The real clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that moves only when told to: backtests, replays and tests."""

    def __init__(self, start_ms: int = 0) -> None:
        self._now_ms = start_ms

    def now_ms(self) -> int:
        return self._now_ms

    def set(self, ts_ms: int) -> None:
        if ts_ms < self._now_ms:
            raise ValueError(f"a clock never goes back: {ts_ms} < {self._now_ms}")
        self._now_ms = ts_ms

    def advance(self, delta_ms: int) -> None:
        self.set(self._now_ms + delta_ms)
