"""BitMEX rate-limit state, read from the response headers of every request.

BitMEX publishes ``x-ratelimit-limit``, ``x-ratelimit-remaining`` and ``x-ratelimit-reset``
(UNIX seconds) on every answer, plus ``x-ratelimit-remaining-1s`` on order routes. We never
hard-code the limits: we pause before a request when the venue says none are left, and after
a 429 or 503 until the time it asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


def _int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


@dataclass
class RateLimitState:
    limit: int | None = None
    remaining: int | None = None
    reset_s: float | None = None
    remaining_1s: int | None = None
    blocked_until_s: float = 0.0  # set after a 429 / 503: no request before this

    def update(self, headers: Mapping[str, str]) -> None:
        limit = _int(headers, "x-ratelimit-limit")
        if limit is None:
            return
        self.limit = limit
        self.remaining = _int(headers, "x-ratelimit-remaining")
        reset = _int(headers, "x-ratelimit-reset")
        self.reset_s = float(reset) if reset is not None else None
        self.remaining_1s = _int(headers, "x-ratelimit-remaining-1s")

    def block(self, until_s: float) -> None:
        self.blocked_until_s = max(self.blocked_until_s, until_s)

    def wait_s(self, now_s: float, reserve: int = 0) -> float:
        """Seconds to pause before the next request (0 when it may go now)."""
        wait = max(0.0, self.blocked_until_s - now_s)
        if self.remaining is not None and self.remaining <= reserve and self.reset_s is not None:
            wait = max(wait, self.reset_s - now_s)
        return wait
