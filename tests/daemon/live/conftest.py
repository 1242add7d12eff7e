"""An in-process rig: the local BitMEX server, a daemon service and live BitMEX workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from plutarc.clock import Clock, ManualClock, WallClock
from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.live import LiveWorker
from plutarc.daemon.runtime import Supervisor, WorkerRegistry
from plutarc.daemon.service import DaemonService
from plutarc.daemon.store import DaemonStore
from plutarc.exchanges.bitmex_sim import SimServer
from tests.exchanges.bitmex.conftest import adapter_for, sim_config

# EMA 2/3 crosses every few minutes of the bundled BTC data: an entry within a few bars, out
# after three bars at the latest, with a resting 2 % reduce-only stop while in.
QUICK_TEMPLATE = """
name = "quick_cross"
trigger_interval = "1m"
combination = "any"
threshold = 1.0
direction = "both"
exit_interval = "1m"
on_opposite_signal = "exit"
leverage = 2.0

[sizing]
mode = "fixed_quote"
value = 1000.0

[[components]]
id = "ema_cross"
[components.params]
fast = 2
slow = 3

[[components]]
id = "hard_stop_loss"
[components.params]
stop_pct = 2.0

[[components]]
id = "time_stop"
[components.params]
max_bars = 3
"""


@dataclass
class LiveRig:
    server: SimServer
    service: DaemonService
    store: DaemonStore
    clock: ManualClock | None = None  # when set, it follows the server's replay clock

    async def bot(self, name: str, template: str = "quick_cross",
                  symbols: tuple[str, ...] = ("BTCUSD",)) -> str:
        spec = BotSpec(name=name, template=template, venue="bitmex", mode="testnet",
                       account="main", symbols=symbols)
        return (await self.service.create_bot(spec, "tester", start=True)).id

    async def advance(self, bars: int = 1, pause_s: float = 0.15) -> None:
        for _ in range(bars):
            self.server.advance(1)
            if self.clock is not None:
                self.clock.set(self.server.exchange.now_ms)
            await asyncio.sleep(pause_s)


async def until(predicate: Callable[[], object], timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def live_rig(server: SimServer, clock: Clock, store: DaemonStore | None = None,
                   heartbeat_s: float = 0.05, equity_snapshot_s: float = 60.0,
                   adapter: dict[str, Any] | None = None,
                   **worker: Any) -> AsyncIterator[LiveRig]:
    """A daemon service whose bitmex testnet bots run LiveWorker(**worker) on ``server``
    (their adapters: tests.exchanges.bitmex.conftest.FAST with ``adapter`` over it)."""
    store = store or DaemonStore.open(":memory:")
    sink = EventSink(store, EventBus(), clock)
    registry = WorkerRegistry()
    registry.register("bitmex", lambda _bot: LiveWorker(
        lambda _b: adapter_for(server, **(adapter or {})), **{"give_up_s": 1.0, **worker}),
        modes=["testnet"])
    supervisor = Supervisor(store, sink, registry, clock, heartbeat_interval_s=heartbeat_s,
                            grace_s=2.0, equity_snapshot_s=equity_snapshot_s)
    service = DaemonService(store, sink, supervisor, clock)
    service.put_template("quick_cross", QUICK_TEMPLATE, "tester")
    try:
        yield LiveRig(server, service, store,
                      clock if isinstance(clock, ManualClock) else None)
    finally:
        await supervisor.shutdown()


@pytest.fixture
async def rig() -> AsyncIterator[LiveRig]:
    async with SimServer(sim_config(warmup_bars=300)) as server:
        store = DaemonStore.open(":memory:")
        try:
            async with live_rig(server, WallClock(), store) as live:
                yield live
        finally:
            store.close()
