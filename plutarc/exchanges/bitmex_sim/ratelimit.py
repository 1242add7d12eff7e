"""Token buckets with BitMEX's rate-limit headers on every answer.

One bucket per API key (or per client address without one) refilling continuously, and a
second per-second layer on the order routes. ``x-ratelimit-reset`` is the UNIX second when
the bucket is full again; an empty bucket answers 429 with ``Retry-After``. Repeated 429s
within a minute can earn a 403 ban, as BitMEX does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

ORDER_ROUTES = (
    ("POST", "/api/v1/order"),
    ("PUT", "/api/v1/order"),
    ("DELETE", "/api/v1/order"),
    ("DELETE", "/api/v1/order/all"),
    ("POST", "/api/v1/position/leverage"),
    ("POST", "/api/v1/position/isolate"),
)


@dataclass
class Bucket:
    capacity: float
    per_s: float
    tokens: float = -1.0
    stamp_s: float = 0.0

    def refill(self, now_s: float) -> None:
        if self.tokens < 0:
            self.tokens, self.stamp_s = self.capacity, now_s
            return
        self.tokens = min(self.capacity, self.tokens + (now_s - self.stamp_s) * self.per_s)
        self.stamp_s = now_s

    def take(self, now_s: float) -> bool:
        self.refill(now_s)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def seconds_until_token(self) -> float:
        return max(0.0, (1 - self.tokens) / self.per_s)

    def reset_s(self, now_s: float) -> int:
        return math.ceil(now_s + (self.capacity - self.tokens) / self.per_s)


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]
    retry_after_s: float = 0.0
    banned: bool = False


@dataclass
class RateLimiter:
    per_minute: int
    unauth_per_minute: int
    orders_per_second: int
    ban_after_429s: int = 0
    _buckets: dict[str, Bucket] = field(default_factory=dict)
    _seconds: dict[str, Bucket] = field(default_factory=dict)
    _violations: dict[str, list[float]] = field(default_factory=dict)

    def check(self, who: str, authed: bool, method: str, path: str, now_s: float) -> Verdict:
        limit = self.per_minute if authed else self.unauth_per_minute
        bucket = self._buckets.setdefault(who, Bucket(limit, limit / 60.0))
        recent = [t for t in self._violations.get(who, []) if now_s - t < 60]
        self._violations[who] = recent
        if self.ban_after_429s and len(recent) >= self.ban_after_429s:
            return Verdict(False, self._headers(bucket, now_s), banned=True)
        allowed = bucket.take(now_s)
        retry = 0.0 if allowed else bucket.seconds_until_token()
        headers = self._headers(bucket, now_s)
        if allowed and (method, path) in ORDER_ROUTES:
            second = self._seconds.setdefault(
                who, Bucket(self.orders_per_second, float(self.orders_per_second))
            )
            allowed = second.take(now_s)
            headers["x-ratelimit-remaining-1s"] = str(int(second.tokens))
            if not allowed:
                retry = second.seconds_until_token()
        if not allowed:
            recent.append(now_s)
            headers["Retry-After"] = str(max(1, math.ceil(retry)))
        return Verdict(allowed, headers, retry)

    def drain(self, who: str, authed: bool, now_s: float) -> None:
        """Empty ``who``'s minute bucket (another client on the key spent every token)."""
        limit = self.per_minute if authed else self.unauth_per_minute
        bucket = self._buckets.setdefault(who, Bucket(limit, limit / 60.0))
        bucket.refill(now_s)
        bucket.tokens = 0.0

    @staticmethod
    def _headers(bucket: Bucket, now_s: float) -> dict[str, str]:
        bucket.refill(now_s)
        return {
            "x-ratelimit-limit": str(int(bucket.capacity)),
            "x-ratelimit-remaining": str(int(bucket.tokens)),
            "x-ratelimit-reset": str(bucket.reset_s(now_s)),
        }
