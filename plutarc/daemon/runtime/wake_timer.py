"""WakeTimer: a sleeping bot's only scheduled work is one apscheduler job that wakes it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from plutarc.daemon.runtime.protocol import BotCommand, BotContext


class WakeTimer:
    """One AsyncIOScheduler per daemon (per supervisor), started on first use."""

    def __init__(self) -> None:
        self._scheduler: AsyncIOScheduler | None = None

    def _running(self) -> AsyncIOScheduler:
        if self._scheduler is None:
            self._scheduler = AsyncIOScheduler(timezone=UTC)
            self._scheduler.start()
        return self._scheduler

    def pending(self) -> int:
        """Jobs scheduled now (a test can see that a sleeping bot has exactly one)."""
        return 0 if self._scheduler is None else len(self._scheduler.get_jobs())

    def schedule(self, delay_s: float, wake: asyncio.Event, name: str) -> Job:
        async def ring() -> None:
            wake.set()

        run_at = datetime.now(UTC) + timedelta(seconds=max(0.0, delay_s))
        return self._running().add_job(ring, "date", run_date=run_at, name=name,
                                       misfire_grace_time=None)

    async def sleep(self, ctx: BotContext, delay_s: float,
                    on_command: Callable[[BotCommand], None],
                    due: Callable[[], bool] | None = None) -> bool:
        """Sleep ``delay_s`` wall seconds; commands are handled as they come, heartbeats go
        on. True when woken by the timer, False when the bot is stopping. ``due``, when
        given, is asked at every heartbeat and after every command and wakes the bot early
        once True: the daemon's clock can run apart from the wall clock the job is set on
        (a test's manual clock), and a command can make the wake time come sooner."""
        wake = asyncio.Event()
        job = self.schedule(delay_s, wake, f"wake:{ctx.bot_id}")
        try:
            while not wake.is_set():
                if ctx.stopping.is_set():
                    return False
                if due is not None and due():
                    return True
                command = await _first_of(ctx, wake)
                if command is not None:
                    on_command(command)
                ctx.heartbeat()
            return True
        finally:
            with contextlib.suppress(Exception):  # already ran and removed itself
                job.remove()

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None


async def _first_of(ctx: BotContext, wake: asyncio.Event) -> BotCommand | None:
    """Wait for the wake bell, a command or the stop, at most one heartbeat interval."""
    getter = asyncio.ensure_future(ctx.commands.get())
    others = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(ctx.stopping.wait())}
    try:
        await asyncio.wait({getter, *others}, timeout=ctx.heartbeat_interval_s,
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in others:
            task.cancel()
        if not getter.done():
            getter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await getter
    return getter.result() if getter.done() and not getter.cancelled() else None
