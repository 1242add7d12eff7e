"""Session sleep/wake on a controlled clock: SessionWatch decisions, the apscheduler WakeTimer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from plutarc.clock import ManualClock
from plutarc.daemon.runtime.protocol import PauseChanged
from plutarc.daemon.runtime.sessions import Phase, SessionWatch
from plutarc.daemon.runtime.wake_timer import WakeTimer
from plutarc.strategy.template import Session

MIN = 60_000
HOUR = 60 * MIN
WEEKDAYS_9_TO_17 = (Session(days=("mon", "tue", "wed", "thu", "fri"), start="09:00",
                            end="17:00"),)


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def walk(watch: SessionWatch, clock: ManualClock, until_ms: int, flat_from_ms: int = 0,
         step_ms: int = MIN) -> list[tuple[int, Phase]]:
    """Advance the clock candle by candle, as a worker does; record every change."""
    changes = []
    while clock.now_ms() < until_ms:
        clock.advance(step_ms)
        now = clock.now_ms()
        if watch.phase is Phase.SLEEPING and not watch.due(now):
            continue  # asleep: nothing runs until the wake time
        change = watch.update(now, flat=now >= flat_from_ms)
        if change is not None:
            changes.append((now, change.phase))
    return changes


def test_a_flat_bot_sleeps_at_the_close_and_wakes_before_the_next_open() -> None:
    clock = ManualClock(at("2024-01-02T16:00:00"))  # a Tuesday, inside the session
    watch = SessionWatch(WEEKDAYS_9_TO_17, warmup_ms=2 * HOUR, lead_ms=5 * MIN)
    changes = walk(watch, clock, at("2024-01-03T10:00:00"))
    assert changes == [
        (at("2024-01-02T17:00:00"), Phase.SLEEPING),
        (at("2024-01-03T06:55:00"), Phase.AWAKE),  # 09:00 - 2 h warm-up - 5 min lead
    ]


def test_a_bot_with_a_position_stays_awake_until_flat_then_sleeps() -> None:
    clock = ManualClock(at("2024-01-02T16:30:00"))
    watch = SessionWatch(WEEKDAYS_9_TO_17, warmup_ms=HOUR)
    flat_at = at("2024-01-02T18:42:00")  # the stop or target closes the position here
    changes = walk(watch, clock, at("2024-01-03T09:30:00"), flat_from_ms=flat_at)
    assert changes == [
        (at("2024-01-02T17:00:00"), Phase.HOLDING),
        (flat_at, Phase.SLEEPING),
        (at("2024-01-03T07:55:00"), Phase.AWAKE),
    ]
    assert watch.wake_ms is None


def test_friday_close_sleeps_over_the_weekend() -> None:
    clock = ManualClock(at("2024-01-05T16:59:00"))  # Friday
    watch = SessionWatch(WEEKDAYS_9_TO_17, warmup_ms=HOUR)
    change = watch.update(clock.now_ms() + MIN, flat=True)
    assert change is not None and change.phase is Phase.SLEEPING
    assert change.session_ms == at("2024-01-08T09:00:00")  # Monday
    assert change.wake_ms == at("2024-01-08T07:55:00")
    assert "sleeping until 2024-01-08 07:55 UTC" in change.message


def test_no_sleep_when_the_next_session_is_inside_the_warm_up() -> None:
    sessions = (Session(start="00:00", end="12:00"), Session(start="12:30", end="24:00"))
    watch = SessionWatch(sessions, warmup_ms=HOUR)
    assert watch.update(at("2024-01-02T12:00:00"), flat=True) is None
    assert watch.phase is Phase.AWAKE


def test_holding_through_a_gap_shorter_than_the_warm_up_goes_back_to_awake() -> None:
    sessions = (Session(start="00:00", end="12:00"), Session(start="12:30", end="24:00"))
    watch = SessionWatch(sessions, warmup_ms=HOUR)
    assert watch.update(at("2024-01-02T12:00:00"), flat=False).phase is Phase.HOLDING
    change = watch.update(at("2024-01-02T12:10:00"), flat=True)
    assert change is not None and change.phase is Phase.AWAKE


def test_without_sessions_a_bot_never_sleeps() -> None:
    watch = SessionWatch((), warmup_ms=HOUR)
    assert watch.update(at("2024-01-06T03:00:00"), flat=True) is None
    assert not watch.has_sessions


def test_an_overnight_session_in_another_timezone() -> None:
    tokyo = (Session(start="22:00", end="02:00", timezone="Asia/Tokyo"),)  # 13:00-17:00 UTC
    watch = SessionWatch(tokyo, warmup_ms=30 * MIN, lead_ms=0)
    assert watch.update(at("2024-01-02T16:00:00"), flat=True) is None  # inside
    change = watch.update(at("2024-01-02T17:00:00"), flat=True)
    assert change.phase is Phase.SLEEPING and change.wake_ms == at("2024-01-03T12:30:00")


def test_negative_warm_up_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        SessionWatch(WEEKDAYS_9_TO_17, warmup_ms=-1)


class _Ctx:
    """The parts of BotContext the timer uses."""

    def __init__(self) -> None:
        self.bot_id = "b1"
        self.heartbeat_interval_s = 0.05
        self.stopping = asyncio.Event()
        self.commands: asyncio.Queue = asyncio.Queue()
        self.beats = 0

    def heartbeat(self) -> None:
        self.beats += 1


async def test_the_wake_timer_is_one_apscheduler_job_and_commands_still_arrive() -> None:
    timer, ctx, handled = WakeTimer(), _Ctx(), []
    ctx.commands.put_nowait(PauseChanged(True))
    sleeping = asyncio.ensure_future(timer.sleep(ctx, 0.3, handled.append))
    await asyncio.sleep(0.1)
    assert timer.pending() == 1  # the only work a sleeping bot has scheduled
    assert handled == [PauseChanged(True)]
    assert await sleeping is True
    assert timer.pending() == 0 and ctx.beats >= 1
    timer.shutdown()


async def test_a_stop_cuts_the_sleep_short() -> None:
    timer, ctx = WakeTimer(), _Ctx()
    sleeping = asyncio.ensure_future(timer.sleep(ctx, 3600, lambda _c: None))
    await asyncio.sleep(0.05)
    ctx.stopping.set()
    assert await asyncio.wait_for(sleeping, 2) is False
    assert timer.pending() == 0
    timer.shutdown()
