"""The error policy: which venue errors retry, which wait for an operator, which are looked up.

    transient  network, 5xx, timeout, rate limit     retry with backoff + jitter, auto-resume
    final      rejection, risk block, funds, auth    pause the bot until an operator clears it
    unknown    sent, no answer (OrderStatusUnknown)  look the order up by client id; it is
                                                     neither a failure nor a retry
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from plutarc.errors import (
    FinalVenueError,
    OrderStatusUnknown,
    PermissionDenied,
    PlutarcError,
    TemporaryError,
)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class ErrorClass(StrEnum):
    TRANSIENT = "transient"
    FINAL = "final"
    UNKNOWN_STATUS = "unknown_status"


class RiskBlocked(PlutarcError):
    """The risk gate refused an order: final, the bot waits for an operator."""


def classify(exc: BaseException) -> ErrorClass:
    """The handling policy of ``exc``; anything we do not recognise is final (fail safe)."""
    if isinstance(exc, OrderStatusUnknown):
        return ErrorClass.UNKNOWN_STATUS
    if isinstance(exc, TemporaryError | TimeoutError | ConnectionError):
        return ErrorClass.TRANSIENT
    if isinstance(exc, FinalVenueError | RiskBlocked | PermissionDenied):
        return ErrorClass.FINAL
    return ErrorClass.FINAL


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits up to min(cap, base * 2**n)."""

    base_s: float = 0.5
    cap_s: float = 30.0
    attempts: int = 6  # tries in all, the first one included

    def __post_init__(self) -> None:
        if self.base_s <= 0 or self.cap_s < self.base_s or self.attempts < 1:
            raise ValueError(f"backoff needs 0 < base_s <= cap_s and attempts >= 1, got {self}")

    def delay_s(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Wait before retry ``attempt`` (0 = the first retry); never below half the step,
        so a burst of failures cannot retry in a tight loop."""
        step = min(self.cap_s, self.base_s * (2 ** attempt))
        return step / 2 + rand() * step / 2


async def retry_transient(
    operation: Callable[[], Awaitable[T]],
    backoff: Backoff = Backoff(),
    *,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
    sleep: Sleep = asyncio.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """Run ``operation``; retry transient errors with backoff, raise anything else at once.

    A RateLimited error waits at least its ``retry_after_s``. After the last attempt the
    transient error is raised. ``on_retry(attempt, error, delay_s)`` is told each retry.
    """
    attempt = 0
    while True:
        try:
            return await operation()
        except Exception as exc:
            if classify(exc) is not ErrorClass.TRANSIENT or attempt + 1 >= backoff.attempts:
                raise
            delay = max(backoff.delay_s(attempt, rand), getattr(exc, "retry_after_s", 0.0))
            if on_retry is not None:
                on_retry(attempt + 1, exc, delay)
            await sleep(delay)
            attempt += 1
