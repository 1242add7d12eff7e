"""SessionWatch: when a bot with trading sessions sleeps and when it wakes (pure, clock-driven).

A bot sleeps only when it is outside every session AND flat; with a position open it stays
awake managing exits and sleeps as soon as it is flat. It wakes ``warmup_ms + lead_ms`` before
the next session opens, so it can load its warm-up candles and be ready at the open. Live and
paper workers ask the same watch at each candle close, so both sleep at the same moments.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from plutarc.strategy.sessions import describe, in_sessions, next_session_start
from plutarc.strategy.template import Session

WAKE_LEAD_MS = 5 * 60_000
"""Extra time before a session, on top of the warm-up, to connect and load candles."""


class Phase(StrEnum):
    AWAKE = "awake"
    HOLDING = "holding"  # outside every session, awake only to manage an open position
    SLEEPING = "sleeping"


@dataclass(frozen=True, slots=True)
class SessionChange:
    """A change of phase and the sentence the activity feed shows for it."""

    phase: Phase
    message: str
    wake_ms: int | None = None  # when SLEEPING: the moment to wake up
    session_ms: int | None = None  # when SLEEPING: the next session's open


class SessionWatch:
    def __init__(self, sessions: tuple[Session, ...], warmup_ms: int,
                 lead_ms: int = WAKE_LEAD_MS) -> None:
        if warmup_ms < 0 or lead_ms < 0:
            raise ValueError("warm-up and lead times cannot be negative")
        self.sessions = sessions
        self.warmup_ms = warmup_ms
        self.lead_ms = lead_ms
        self.phase = Phase.AWAKE
        self.wake_ms: int | None = None

    @property
    def has_sessions(self) -> bool:
        return bool(self.sessions)

    def in_session(self, now_ms: int) -> bool:
        return bool(in_sessions([now_ms], self.sessions)[0])

    def update(self, now_ms: int, flat: bool) -> SessionChange | None:
        """The phase at ``now_ms`` (a candle close); a change is returned, else None."""
        if not self.sessions:
            return None
        if self.phase is Phase.SLEEPING:
            return self._wake(now_ms) if self.due(now_ms) else None
        if self.in_session(now_ms):
            if self.phase is Phase.HOLDING:
                return self._set(Phase.AWAKE, f"session open again at {describe(now_ms)}")
            return None
        if not flat:
            if self.phase is Phase.AWAKE:
                return self._set(Phase.HOLDING, "outside the trading session with a position "
                                 "open: staying awake to manage exits, sleeping once flat")
            return None
        return self._sleep(now_ms)

    def due(self, now_ms: int) -> bool:
        """True once a sleeping bot must wake (always False when awake)."""
        return self.phase is Phase.SLEEPING and self.wake_ms is not None and now_ms >= self.wake_ms

    def _sleep(self, now_ms: int) -> SessionChange | None:
        opens = next_session_start(now_ms, self.sessions)
        if opens is None:  # sessions that never open again within a week: nothing to sleep for
            return None
        wake = opens - self.warmup_ms - self.lead_ms
        if wake <= now_ms:
            # Too close to the next open to be worth closing connections: stay awake.
            if self.phase is Phase.HOLDING:
                return self._set(Phase.AWAKE, "flat outside the session; the next one opens at "
                                 f"{describe(opens)}, too soon to sleep")
            return None
        self.wake_ms = wake
        change = SessionChange(Phase.SLEEPING, f"outside the trading session and flat: sleeping "
                               f"until {describe(wake)} (warm-up before the session at "
                               f"{describe(opens)})", wake, opens)
        self.phase = Phase.SLEEPING
        return change

    def _wake(self, now_ms: int) -> SessionChange:
        opens = next_session_start(now_ms, self.sessions)
        when = describe(opens) if opens is not None else "now"
        self.wake_ms = None
        return self._set(Phase.AWAKE, f"waking at {describe(now_ms)} to load warm-up candles "
                         f"before the session at {when}")

    def _set(self, phase: Phase, message: str) -> SessionChange:
        self.phase = phase
        return SessionChange(phase, message)
