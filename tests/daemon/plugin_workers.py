"""Workers for tests only, loaded by the daemon under test via PLUTARC_WORKER_MODULES."""

from __future__ import annotations

import asyncio

from plutarc.daemon.runtime import BotContext, WorkerRegistry


class CrashingWorker:
    """Comes online, heartbeats once, then fails the way a buggy strategy would."""

    async def run(self, ctx: BotContext) -> None:
        ctx.heartbeat()
        ctx.mark_ready()
        await asyncio.sleep(0.2)
        raise RuntimeError("deliberate crash in the test worker")


def register_workers(registry: WorkerRegistry) -> None:
    registry.register("crashy", lambda _bot: CrashingWorker())
