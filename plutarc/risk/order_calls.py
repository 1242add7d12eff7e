"""Placing and cancelling under the error policy: backoff on transient errors, lookups on doubt."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from plutarc.errors import OrderStatusUnknown
from plutarc.models import Order
from plutarc.risk.policy import Backoff, ErrorClass, Sleep, classify, retry_transient

PLACE_BACKOFF = Backoff(base_s=0.5, cap_s=10.0, attempts=4)
LOOKUP_BACKOFF = Backoff(base_s=0.5, cap_s=10.0, attempts=6)
# Cancels back off harder: during a venue outage hammering cancel makes the ban longer.
CANCEL_BACKOFF = Backoff(base_s=1.0, cap_s=60.0, attempts=6)


@dataclass
class ExecutionCounters:
    """What happened to the orders one bot sent; an order in doubt is never a failure."""

    sent: int = 0
    failures: int = 0  # final rejections and transient errors that outlasted the retries
    in_doubt: int = 0  # sent with no answer: looked up by client id
    found_by_lookup: int = 0
    retries: int = 0


@dataclass(frozen=True, slots=True)
class Placed:
    """The venue's order, or None when a lookup after a lost answer did not find it."""

    order: Order | None
    looked_up: bool = False


async def place_order(
    send: Callable[[], Awaitable[Order]],
    lookup: Callable[[str], Awaitable[Order | None]],
    counters: ExecutionCounters,
    *,
    sleep: Sleep = asyncio.sleep,
    rand: Callable[[], float] = random.random,
) -> Placed:
    """Send once (retrying only errors that mean 'not accepted'); after a lost answer, ask.

    A None order means the venue, asked by client id, does not know the order: it is left
    for reconciliation and NEVER re-sent from here.
    """
    def retried(_attempt: int, _exc: BaseException, _delay: float) -> None:
        counters.retries += 1

    try:
        order = await retry_transient(send, PLACE_BACKOFF, on_retry=retried, sleep=sleep,
                                      rand=rand)
    except OrderStatusUnknown as exc:
        counters.in_doubt += 1
        client_id = exc.client_id
        found = await retry_transient(lambda: lookup(client_id), LOOKUP_BACKOFF,
                                      on_retry=retried, sleep=sleep, rand=rand)
        if found is not None:
            counters.found_by_lookup += 1
            counters.sent += 1
        return Placed(found, looked_up=True)
    except Exception as exc:
        if classify(exc) is not ErrorClass.UNKNOWN_STATUS:
            counters.failures += 1
        raise
    counters.sent += 1
    return Placed(order)


async def cancel_order(
    cancel: Callable[[], Awaitable[Order | None]],
    counters: ExecutionCounters,
    *,
    backoff: Backoff = CANCEL_BACKOFF,
    sleep: Sleep = asyncio.sleep,
    rand: Callable[[], float] = random.random,
) -> Order | None:
    """Cancel with exponential backoff on transient errors; a final error is raised at once."""
    def retried(_attempt: int, _exc: BaseException, _delay: float) -> None:
        counters.retries += 1

    return await retry_transient(cancel, backoff, on_retry=retried, sleep=sleep, rand=rand)
