"""A fleet of paper bots in one in-process daemon runtime, for the daemon benchmarks."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from plutarc.clock import WallClock
from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.paper import PaperWorker
from plutarc.daemon.runtime import Supervisor, WorkerRegistry
from plutarc.daemon.service import DaemonService
from plutarc.daemon.store import DaemonStore
from plutarc.models.events import EventKind
from plutarc.storage.checkpoint import Checkpointer
from plutarc.strategy.template_catalog import find_template

TEMPLATES = ("scalp_1m", "trend_following", "mean_reversion", "momentum_breakout",
             "rsi_divergence")
SYMBOLS = ("BTCUSDT", "ETHUSDT")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_fleet(bots: int, bars: int, latencies: list[float] | None = None,
                    rss: list[tuple[float, float]] | None = None,
                    fsync: bool = False,
                    progress: list[tuple[float, int]] | None = None,
                    attach: Callable[[DaemonService], Awaitable[Callable[[], Awaitable[None]]]]
                    | None = None) -> tuple[float, DaemonStore]:
    """Run ``bots`` paper bots over ``bars`` candles at max speed; returns wall seconds.
    ``progress`` gets (seconds, candles every bot has replayed) at each RSS sample;
    ``attach`` adds a part to the runtime (e.g. notifications) and returns its stop."""
    home = Path(tempfile.mkdtemp(prefix="pbench"))
    store = DaemonStore.open(home / "daemon.db")
    store.db.fsync_durable = fsync  # the daemon's [daemon] journal_fsync setting
    store.db.execute("PRAGMA wal_autocheckpoint=0")  # as the daemon: checkpoints off-path
    checkpointer = Checkpointer(home / "daemon.db")
    checkpointer.start()
    clock = WallClock()
    sink = EventSink(store, EventBus(), clock)
    registry = WorkerRegistry()
    workers: list[PaperWorker] = []

    def new_worker(_bot: object) -> PaperWorker:
        workers.append(PaperWorker(latencies))
        return workers[-1]

    registry.register("sim", new_worker, modes=["paper"])
    service = DaemonService(store, sink, Supervisor(store, sink, registry, clock, 1.0), clock)
    detach = await attach(service) if attach is not None else None
    for name in TEMPLATES:
        service.put_template(name, find_template(name).read_text(), "bench")
    started = time.perf_counter()
    ids = []
    for n in range(bots):
        spec = BotSpec(name=f"bench-{n}", template=TEMPLATES[n % len(TEMPLATES)], venue="sim",
                       mode="paper", account=f"speed=max;bars={bars}",
                       symbols=(SYMBOLS[n % len(SYMBOLS)],))
        ids.append((await service.create_bot(spec, "bench", start=True)).id)
    pending = set(ids)
    while pending:
        await asyncio.sleep(0.5)
        if rss is not None:
            rss.append((time.perf_counter() - started, rss_mb()))
        if progress is not None:
            progress.append((time.perf_counter() - started, _slowest(workers, bots)))
        for bot_id in list(pending):
            events = store.events.query(bot_id=bot_id, kinds=[EventKind.ACTIVITY], limit=20)
            if any(e.message.startswith("replay finished") for e in events):
                pending.discard(bot_id)
    elapsed = time.perf_counter() - started
    await service.supervisor.shutdown()
    if detach is not None:
        await detach()
    await checkpointer.stop()
    return elapsed, store


def _slowest(workers: list[PaperWorker], bots: int) -> int:
    """Candles replayed by the bot furthest behind (0 until every bot has started)."""
    if len(workers) < bots:
        return 0
    return min(max((leg.next_index for leg in w.legs), default=0) for w in workers)
