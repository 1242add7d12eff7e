"""Workers for tests only, loaded by the daemon under test via PLUTARC_WORKER_MODULES."""

from __future__ import annotations

import asyncio

from plutarc.daemon.runtime import BotContext, WorkerRegistry
from plutarc.errors import VenueUnavailable


class CrashingWorker:
    """Comes online, heartbeats once, then fails the way a buggy strategy would."""

    async def run(self, ctx: BotContext) -> None:
        ctx.heartbeat()
        ctx.mark_ready()
        await asyncio.sleep(0.2)
        raise RuntimeError("deliberate crash in the test worker")


def register_workers(registry: WorkerRegistry) -> None:
    registry.register("crashy", lambda _bot: CrashingWorker())
    register_hanging(registry)


RUNS: dict[str, int] = {}  # starts per bot name, in the daemon process under test


class HangingWorker:
    """Heartbeats a little, then hangs without heartbeating (a call that never returns).
    With ``hang_runs`` set, only the first that many starts hang; later ones are healthy."""

    def __init__(self, name: str, hang_runs: int | None) -> None:
        RUNS[name] = RUNS.get(name, 0) + 1
        self.hangs = hang_runs is None or RUNS[name] <= hang_runs

    async def run(self, ctx: BotContext) -> None:
        ctx.heartbeat()
        ctx.mark_ready()
        ctx.activity(f"run {RUNS[ctx.bot.name]}: {'will hang' if self.hangs else 'healthy'}")
        for _ in range(2):
            await ctx.next_command(ctx.heartbeat_interval_s)
            ctx.heartbeat()
        while not ctx.stopping.is_set():
            if self.hangs:
                await asyncio.Event().wait()  # hung: no heartbeat, no stop check
            await ctx.next_command(ctx.heartbeat_interval_s)
            ctx.heartbeat()


class FlakyWorker:
    """The first start fails the way an outage outlasting the retries would (transient)."""

    def __init__(self, name: str) -> None:
        RUNS[name] = RUNS.get(name, 0) + 1
        self.fails = RUNS[name] == 1

    async def run(self, ctx: BotContext) -> None:
        ctx.heartbeat()
        if self.fails:
            raise VenueUnavailable("deliberate outage in the test worker")
        ctx.mark_ready()
        while not ctx.stopping.is_set():
            await ctx.next_command(ctx.heartbeat_interval_s)
            ctx.heartbeat()


def register_hanging(registry: WorkerRegistry) -> None:
    registry.register("hangy", lambda bot: HangingWorker(bot.name, None))
    registry.register("hangonce", lambda bot: HangingWorker(bot.name, 1))
    registry.register("flaky", lambda bot: FlakyWorker(bot.name))
