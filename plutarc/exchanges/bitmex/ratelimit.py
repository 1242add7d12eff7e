"""BitMEX rate-limit pacing, read from the response headers of every request, in two lanes.

BitMEX publishes ``x-ratelimit-limit``, ``x-ratelimit-remaining`` and ``x-ratelimit-reset``
on every answer, plus ``x-ratelimit-remaining-1s`` on the order routes (a second layer of
10 requests per second). Both are token buckets that refill continuously: at 120/min one
token comes back every 0.5 s. ``x-ratelimit-reset`` is when the bucket is *full* again, so
waiting for it would hold a request for up to a minute; we wait for the next token instead,
estimated from the remaining count and the refill rate. The limits are never hard-coded:
they come from the headers (the 1 s layer's rate from the blog post, see ORDER_LAYER_PER_S).

Two lanes: the PRIORITY lane (cancels, ``Close`` orders, protective stops, the dead man's
switch) may spend every token; the NORMAL lane (entries, reads) leaves ``reserve`` tokens
for it, so a stop never waits behind entries that drained the bucket. After a 429 the NORMAL
lane waits for Retry-After, while the PRIORITY lane takes the bucket as empty and waits for
its next token (Retry-After is whole seconds, a token comes back every 0.5 s at 120/min: a
stop due while another client on the key drained the bucket goes out within a second);
after a 503 overload only the NORMAL lane waits (BitMEX exempts cancels and Close orders
from load shedding, and a protective stop is worth a try).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

ORDER_LAYER_PER_S = 10.0  # second layer on order routes: 10/s (BitMEX blog, 2020-12)
PRIORITY_RESERVE = 2  # tokens the NORMAL lane leaves for cancels and stops


class Lane(StrEnum):
    PRIORITY = "priority"
    NORMAL = "normal"


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
    remaining: float | None = None  # tokens at updated_s (our estimate between answers)
    reset_s: float | None = None
    updated_s: float = 0.0
    remaining_1s: float | None = None  # order-route layer, at updated_1s_s
    updated_1s_s: float = 0.0
    blocked_until_s: float = 0.0  # after a 429: the NORMAL lane waits until then
    priority_until_s: float = 0.0  # after a 429 with no count to pace by: PRIORITY too
    overload_until_s: float = 0.0  # after a 503 overload: the NORMAL lane waits

    def update(self, headers: Mapping[str, str], now_s: float = 0.0) -> None:
        limit = _int(headers, "x-ratelimit-limit")
        if limit is None:
            return
        self.limit = limit
        remaining = _int(headers, "x-ratelimit-remaining")
        self.remaining = float(remaining) if remaining is not None else None
        self.updated_s = now_s
        reset = _int(headers, "x-ratelimit-reset")
        self.reset_s = float(reset) if reset is not None else None
        second = _int(headers, "x-ratelimit-remaining-1s")
        if second is not None:  # only order routes carry it; other answers leave it be
            self.remaining_1s, self.updated_1s_s = float(second), now_s

    def rate_limited(self, now_s: float, retry_after_s: float) -> None:
        """A 429 (after ``update`` with its headers): entries and reads wait Retry-After;
        the PRIORITY lane counts the refused layer as empty and waits for its next token."""
        self.blocked_until_s = max(self.blocked_until_s, now_s + retry_after_s)
        have = self.tokens(now_s)
        if have is None:  # no count to go by: everyone waits what the venue asked
            self.priority_until_s = max(self.priority_until_s, now_s + retry_after_s)
            return
        have_1s = self.tokens_1s(now_s)
        if have_1s is not None and have_1s < 1:
            return  # the per-second layer refused it: its own count paces the next one
        # refused: the bucket is empty now, whatever the last count said (another client on
        # the key may have spent it)
        self.remaining, self.updated_s = min(have, 0.0), now_s

    def overloaded(self, until_s: float) -> None:
        self.overload_until_s = max(self.overload_until_s, until_s)

    def tokens(self, now_s: float) -> float | None:
        """Tokens in the minute bucket now: the last count plus what refilled since."""
        if self.limit is None or self.remaining is None:
            return None
        refill = max(0.0, now_s - self.updated_s) * self.limit / 60.0
        return min(float(self.limit), self.remaining + refill)

    def tokens_1s(self, now_s: float) -> float | None:
        if self.remaining_1s is None:
            return None
        refill = max(0.0, now_s - self.updated_1s_s) * ORDER_LAYER_PER_S
        return min(ORDER_LAYER_PER_S, self.remaining_1s + refill)

    def wait_s(self, now_s: float, reserve: int = 0, lane: Lane = Lane.NORMAL,
               order_route: bool = False) -> float:
        """Seconds to pause before the next request of ``lane`` (0 when it may go now)."""
        wait = max(0.0, self.priority_until_s - now_s)
        keep = 0
        if lane is Lane.NORMAL:
            wait = max(wait, self.blocked_until_s - now_s, self.overload_until_s - now_s)
            keep = max(reserve, PRIORITY_RESERVE)
        have = self.tokens(now_s)
        if have is not None and self.limit:
            need = min(1.0 + keep, float(self.limit))
            if have < need:
                wait = max(wait, (need - have) * 60.0 / self.limit)
        if order_route:
            have_1s = self.tokens_1s(now_s)
            if have_1s is not None and have_1s < 1:
                wait = max(wait, (1 - have_1s) / ORDER_LAYER_PER_S)
        return wait

    def spend(self, now_s: float, order_route: bool = False) -> None:
        """Count a request about to leave, so concurrent ones see one token fewer before
        its answer (with fresh headers) comes back."""
        have = self.tokens(now_s)
        if have is not None:
            self.remaining, self.updated_s = have - 1, now_s
        if order_route:
            have_1s = self.tokens_1s(now_s)
            if have_1s is not None:
                self.remaining_1s, self.updated_1s_s = have_1s - 1, now_s
