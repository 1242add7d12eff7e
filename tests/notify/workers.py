"""Test-only workers for the notification tests, loaded by the daemon under test."""

from __future__ import annotations

import asyncio

from plutarc.daemon.runtime import BotContext, WorkerRegistry
from plutarc.models.events import EventKind, Severity

FLAPS = 100


class FlappingWorker:
    """Loses and regains its venue FLAPS times in a row, saying so as the live worker does
    (plutarc/daemon/live/reconnect.py and worker.py), then stays online."""

    async def run(self, ctx: BotContext) -> None:
        ctx.heartbeat()
        ctx.mark_ready()
        for _ in range(FLAPS):
            ctx.emit(EventKind.ALERT, "lost flapsim: connection reset; connecting again (open "
                     "positions keep their resting stops on the exchange)",
                     severity=Severity.WARNING,
                     data={"error": "connection reset", "venue": "flapsim", "outage": True})
            ctx.activity("connected to flapsim again after 1 failed attempts", attempts=1)
            await asyncio.sleep(0.005)
        while not ctx.stopping.is_set():
            await ctx.next_command(ctx.heartbeat_interval_s)
            ctx.heartbeat()


def register_workers(registry: WorkerRegistry) -> None:
    registry.register("flappy", lambda _bot: FlappingWorker())
