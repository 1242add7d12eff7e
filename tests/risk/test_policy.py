"""Error classification, backoff with jitter, and the place/cancel paths under the policy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.errors import (
    AuthenticationError,
    InsufficientFunds,
    OrderRejected,
    OrderStatusUnknown,
    RateLimited,
    VenueUnavailable,
)
from plutarc.models import Order, OrderRequest, OrderStatus, OrderType, Side
from plutarc.risk.order_calls import ExecutionCounters, cancel_order, place_order
from plutarc.risk.policy import Backoff, ErrorClass, RiskBlocked, classify, retry_transient

ORDER = Order(OrderRequest("c1", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal(1)), "v1",
              OrderStatus.NEW)


class Sleeps:
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Flaky:
    """A venue call that raises the given errors in turn, then answers ``result``."""

    def __init__(self, errors: list[BaseException], result: object = ORDER) -> None:
        self.errors = list(errors)
        self.result = result
        self.calls = 0

    async def __call__(self, *_args: object) -> object:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.result


@pytest.mark.parametrize(("error", "expected"), [
    (VenueUnavailable("502"), ErrorClass.TRANSIENT),
    (RateLimited("429", retry_after_s=3), ErrorClass.TRANSIENT),
    (TimeoutError(), ErrorClass.TRANSIENT),
    (ConnectionResetError(), ErrorClass.TRANSIENT),
    (OrderRejected("price band"), ErrorClass.FINAL),
    (InsufficientFunds("margin"), ErrorClass.FINAL),
    (AuthenticationError("bad key"), ErrorClass.FINAL),
    (RiskBlocked("max_leverage"), ErrorClass.FINAL),
    (ValueError("a bug"), ErrorClass.FINAL),
    (OrderStatusUnknown("timeout after send", "c1"), ErrorClass.UNKNOWN_STATUS),
])
def test_classify(error: BaseException, expected: ErrorClass) -> None:
    assert classify(error) is expected


def test_backoff_grows_exponentially_to_the_cap_with_bounded_jitter() -> None:
    backoff = Backoff(base_s=1, cap_s=8, attempts=10)
    lows = [backoff.delay_s(n, lambda: 0.0) for n in range(6)]
    highs = [backoff.delay_s(n, lambda: 1.0) for n in range(6)]
    assert lows == [0.5, 1, 2, 4, 4, 4] and highs == [1, 2, 4, 8, 8, 8]
    with pytest.raises(ValueError, match="base_s <= cap_s"):
        Backoff(base_s=2, cap_s=1)


async def test_transient_errors_retry_with_growing_waits_then_succeed() -> None:
    sleeps, call = Sleeps(), Flaky([VenueUnavailable("503"), TimeoutError()])
    result = await retry_transient(call, Backoff(1, 60, 5), sleep=sleeps, rand=lambda: 1.0)
    assert result is ORDER and call.calls == 3 and sleeps.waits == [1, 2]


async def test_a_rate_limit_waits_at_least_what_the_venue_asked() -> None:
    sleeps = Sleeps()
    await retry_transient(Flaky([RateLimited("429", retry_after_s=7)]), Backoff(1, 60, 3),
                          sleep=sleeps, rand=lambda: 0.0)
    assert sleeps.waits == [7]


async def test_final_errors_are_not_retried_and_transient_ones_give_up_after_the_attempts():
    sleeps, rejected = Sleeps(), Flaky([OrderRejected("no")])
    with pytest.raises(OrderRejected):
        await retry_transient(rejected, Backoff(1, 60, 5), sleep=sleeps)
    assert rejected.calls == 1 and sleeps.waits == []
    down = Flaky([VenueUnavailable("503")] * 10)
    with pytest.raises(VenueUnavailable):
        await retry_transient(down, Backoff(1, 60, 3), sleep=sleeps, rand=lambda: 0.0)
    assert down.calls == 3


async def test_a_lost_confirmation_is_looked_up_by_client_id_and_is_not_a_failure() -> None:
    counters, sleeps = ExecutionCounters(), Sleeps()
    send = Flaky([OrderStatusUnknown("timed out after sending", "c1")])
    lookup = Flaky([VenueUnavailable("502")], result=ORDER)
    placed = await place_order(send, lookup, counters, sleep=sleeps, rand=lambda: 0.0)
    assert placed.order is ORDER and placed.looked_up
    assert send.calls == 1  # never re-sent
    assert counters.failures == 0 and counters.in_doubt == 1 and counters.found_by_lookup == 1
    assert counters.sent == 1


async def test_an_order_the_venue_does_not_know_after_a_lost_answer_is_left_not_resent():
    counters = ExecutionCounters()
    send = Flaky([OrderStatusUnknown("timed out after sending", "c1")])
    placed = await place_order(send, Flaky([], result=None), counters, sleep=Sleeps())
    assert placed.order is None and placed.looked_up and send.calls == 1
    assert counters.failures == 0 and counters.in_doubt == 1


async def test_a_rejection_is_one_failure_and_is_raised() -> None:
    counters = ExecutionCounters()
    with pytest.raises(OrderRejected):
        await place_order(Flaky([OrderRejected("band")]), Flaky([]), counters, sleep=Sleeps())
    assert counters.failures == 1 and counters.sent == 0


async def test_cancel_retries_back_off_during_an_outage() -> None:
    counters, sleeps = ExecutionCounters(), Sleeps()
    cancel = Flaky([VenueUnavailable("503")] * 3)
    assert await cancel_order(cancel, counters, sleep=sleeps, rand=lambda: 1.0) is ORDER
    assert sleeps.waits == [1, 2, 4] and counters.retries == 3
