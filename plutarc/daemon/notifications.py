"""The daemon's side of notifications: feed the event bus to the notifier, write the summary.

The notifier (``plutarc/notify``) knows nothing of the daemon: it is handed events through
a bus subscription pumped here, a way to emit its own events, bot names and the text of
the daily summary built from the journal.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from plutarc.daemon.events import EventBus
from plutarc.daemon.service import DaemonService
from plutarc.daemon.store import DaemonStore
from plutarc.keys.backends import SecretBackend
from plutarc.models.bot_state import BotState
from plutarc.models.events import EventKind, Severity
from plutarc.notify import Notifier

log = logging.getLogger(__name__)

# The kinds that can become a notification (see notify.kinds.classify); candles and
# decisions, the bulk of the stream, never reach the notifier's queue.
ROUTED_KINDS = (EventKind.ALERT, EventKind.BOT_STATE, EventKind.RISK, EventKind.ORDER,
                EventKind.FILL, EventKind.ACTIVITY, EventKind.HEALTH)
STOP_S = 2.0
# Deeper than a stream client's queue: a burst (a fleet replaying at full speed) must not cut
# the notifier off; each entry is a reference to a record already made.
PUMP_QUEUE = 50_000


def _figures(conn: sqlite3.Connection, from_ms: int,
             to_ms: int) -> tuple[dict[str, Decimal], dict[str, int], int]:
    """Closed-trade PnL and trade count per bot, and the alerts, between the two times."""
    pnl: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    for row in conn.execute("SELECT bot_id, net_pnl FROM trades WHERE exit_ts_ms >= ? AND "
                            "exit_ts_ms < ?", (from_ms, to_ms)):
        pnl[row[0]] += Decimal(row[1])
        count[row[0]] += 1
    alerts = conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'alert' AND ts_ms >= ? "
                          "AND ts_ms < ?", (from_ms, to_ms)).fetchone()[0]
    return pnl, count, int(alerts)


def _figures_apart(path: Path, from_ms: int,
                   to_ms: int) -> tuple[dict[str, Decimal], dict[str, int], int]:
    """``_figures`` on a read-only connection of its own (run on a worker thread)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    try:
        return _figures(conn, from_ms, to_ms)
    finally:
        conn.close()


async def daily_summary(store: DaemonStore, from_ms: int, to_ms: int) -> str:
    """The day's summary. A day of events is many rows, and the summary is due at a round
    UTC time, when candles close: they are counted on a worker thread with a connection of
    its own (SQLite lets go of the GIL while it counts; WAL readers never block the
    journal), never on the event loop's connection."""
    path = Path(str(store.db.path))
    if path.is_file():
        pnl, count, alerts = await asyncio.to_thread(_figures_apart, path, from_ms, to_ms)
    else:  # an in-memory database (tests) has no second connection
        pnl, count, alerts = _figures(store.db.conn, from_ms, to_ms)
    lines = []
    for bot in sorted(store.bots.all(), key=lambda b: b.name):
        trades = count.get(bot.id, 0)
        if trades or bot.state is not BotState.STOPPED:  # errored ones above all
            lines.append(f"{bot.name} ({bot.state}): {trades} trades, PnL "
                         f"{pnl.get(bot.id, Decimal(0)):+.2f}")
    total = sum(pnl.values(), Decimal(0))
    head = (f"last 24 h: {sum(count.values())} trades, closed PnL {total:+.2f}, "
            f"{alerts} alerts")
    return "\n".join([head, *lines[:20]] + (["..."] if len(lines) > 20 else []))


def build_notifier(service: DaemonService, backend: SecretBackend) -> Notifier:
    def emit(message: str, severity: str, data: dict[str, object]) -> None:
        service.sink.emit(EventKind.HEALTH, message, severity=Severity(severity), data=data)

    def bot_name(bot_id: str) -> str | None:
        try:
            return service.store.bots.resolve(bot_id).name
        except Exception:
            return None

    return Notifier.open(service.store.db, backend, service.clock, emit, bot_name,
                         lambda a, b: daily_summary(service.store, a, b))


async def feed(bus: EventBus, notifier: Notifier) -> None:
    """Subscribe the notifier to the bus, and again whenever it was cut off.

    The subscription's queue is the notifier's intake: emitting an event costs the bus's
    one put_nowait, and everything else (classifying, routing, deduplicating, the outbox)
    happens in the notifier's route task. This task only waits on the cut-off flag.
    asyncio.wait, not wait_for: on Python 3.11 wait_for can swallow a cancellation, and a
    task that ignores its stop would hold the daemon's shutdown."""
    while True:
        sub = bus.subscribe(ROUTED_KINDS, max_queue=PUMP_QUEUE)
        notifier.attach(sub.queue)
        cut_off = asyncio.ensure_future(sub.overflowed.wait())
        try:
            await asyncio.wait({cut_off})
        finally:
            cut_off.cancel()
            bus.unsubscribe(sub)
        log.warning("notifications fell behind the event bus; resubscribed")


class NotifyRuntime:
    """The notifier and its bus feed, started and stopped with the API app."""

    def __init__(self, service: DaemonService, backend: SecretBackend) -> None:
        self.service = service
        self.notifier = build_notifier(service, backend)
        self._pump: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.notifier.start()
        self._pump = asyncio.create_task(feed(self.service.sink.bus, self.notifier),
                                         name="notify-feed")

    async def stop(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.wait({self._pump}, timeout=STOP_S)  # never holds a shutdown
        await self.notifier.stop()
