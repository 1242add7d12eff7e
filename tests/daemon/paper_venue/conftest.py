"""An in-process rig: the local BitMEX server, a daemon service and paper-on-venue workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from plutarc.clock import WallClock
from plutarc.daemon.bot_config import BotSpec, RiskLimits
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.paper_venue import PaperOnVenueWorker
from plutarc.daemon.runtime import Supervisor, WorkerRegistry
from plutarc.daemon.service import DaemonService
from plutarc.daemon.store import DaemonStore
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import QUICK_TEMPLATE, until
from tests.exchanges.bitmex.conftest import adapter_for, sim_config

# Out only through its resting stop: a tight one, no time stop, opposite signals ignored.
STOP_ONLY_TEMPLATE = (QUICK_TEMPLATE.replace('name = "quick_cross"', 'name = "stop_only"')
                      .replace('on_opposite_signal = "exit"', 'on_opposite_signal = "ignore"')
                      .replace("stop_pct = 2.0", "stop_pct = 0.05")
                      .replace("max_bars = 3", "max_bars = 100000"))


@dataclass
class PaperRig:
    server: SimServer
    service: DaemonService
    store: DaemonStore

    async def bot(self, name: str, template: str = "quick_cross",
                  symbols: tuple[str, ...] = ("BTCUSD",), **risk: object) -> str:
        spec = BotSpec(name=name, template=template, venue="bitmex", mode="paper",
                       symbols=symbols, risk=RiskLimits(**risk))
        bot_id = (await self.service.create_bot(spec, "tester", start=True)).id
        await until(lambda: self.service.get_bot(bot_id).state is BotState.ONLINE)
        return bot_id

    async def decided_through(self, bot_id: str, bars: int) -> None:
        """Close ``bars`` bars at once, then wait until the bot decided on the last one."""
        self.server.advance(bars)
        now = self.server.exchange.now_ms

        def done() -> bool:
            latest = self.store.decisions.query(bot_id=bot_id, limit=1)
            return bool(latest) and latest[-1].ts_ms >= now

        await until(done, 20)

    def messages(self, bot_id: str, kind: EventKind | None = None) -> list[str]:
        kinds = [kind] if kind else []
        return [e.message for e in self.store.events.query(bot_id=bot_id, kinds=kinds,
                                                            limit=1000)]


@pytest.fixture
async def rig() -> AsyncIterator[PaperRig]:
    async with SimServer(sim_config(warmup_bars=300)) as server:
        store = DaemonStore.open(":memory:")
        clock = WallClock()
        sink = EventSink(store, EventBus(), clock)
        registry = WorkerRegistry()
        registry.register("bitmex", lambda _bot: PaperOnVenueWorker(
            lambda _b: adapter_for(server, keys=False), give_up_s=1.0), modes=["paper"])
        supervisor = Supervisor(store, sink, registry, clock, heartbeat_interval_s=0.05,
                                grace_s=2.0)
        service = DaemonService(store, sink, supervisor, clock)
        service.put_template("quick_cross", QUICK_TEMPLATE, "tester")
        service.put_template("stop_only", STOP_ONLY_TEMPLATE, "tester")
        try:
            yield PaperRig(server, service, store)
        finally:
            await supervisor.shutdown()
            store.close()
            await asyncio.sleep(0)
