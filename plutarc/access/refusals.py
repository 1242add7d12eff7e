"""Failed authentications (401) and refusals (403) in the audit log, rate-limited per caller.

Someone guessing tokens or probing routes must show up where the owner looks (``plutarc
audit``), but must not be able to fill the disk through it: each caller gets at most
``per_window`` rows per kind in a window; the rest are counted and one row per window says
how many were left out.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from plutarc.access.audit_trail import AuditTrail

log = logging.getLogger("plutarc.access")

UNAUTHENTICATED = "access.unauthenticated"
DENIED = "access.denied"
WINDOW_MS = 60_000
PER_WINDOW = 10
MAX_CALLERS = 1_000  # windows kept at once; the oldest is dropped beyond it


@dataclass
class _Window:
    start_ms: int
    count: int = 0


class RefusalAudit:
    """Writes refusal rows for the gate, at most ``per_window`` per caller and kind."""

    def __init__(self, audit: AuditTrail, per_window: int = PER_WINDOW,
                 window_ms: int = WINDOW_MS) -> None:
        self.audit = audit
        self.per_window = per_window
        self.window_ms = window_ms
        self._windows: dict[tuple[str, str], _Window] = {}

    def record(self, who: str, now_ms: int, status: int, target: str, message: str) -> bool:
        """Count one refusal; True when it was written to the audit log."""
        action = UNAUTHENTICATED if status == 401 else DENIED
        key = (who, action)
        window = self._windows.get(key)
        if window is None or now_ms - window.start_ms >= self.window_ms:
            if window is not None:
                self._flush(key, window, now_ms)
            window = self._windows[key] = _Window(now_ms)
            self._bound()
        window.count += 1
        if window.count > self.per_window:
            return False
        return self._write(who, now_ms, action, target, {"status": status, "message": message})

    def _flush(self, key: tuple[str, str], window: _Window, now_ms: int) -> None:
        left_out = window.count - self.per_window
        if left_out > 0:
            self._write(key[0], now_ms, key[1], "(rate limit)",
                        {"left_out": left_out, "window_ms": self.window_ms,
                         "since_ms": window.start_ms})

    def _bound(self) -> None:
        while len(self._windows) > MAX_CALLERS:
            del self._windows[next(iter(self._windows))]

    def _write(self, who: str, now_ms: int, action: str, target: str,
               after: dict[str, object]) -> bool:
        try:
            self.audit.append(who, now_ms, action, target, None, after)
        except sqlite3.Error as exc:  # a full disk must not turn a 401 into a 500
            log.warning("could not audit a refusal of %s: %s", who, exc)
            return False
        return True
