"""Events: stored first, then fanned out to every attached stream subscriber."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from plutarc.clock import Clock
from plutarc.daemon.store import DaemonStore, EventRecord
from plutarc.models.events import Event, EventKind, Severity
from plutarc.storage.sqlite import is_disk_full

log = logging.getLogger(__name__)

SUBSCRIBER_QUEUE = 2000


class Subscription:
    """One attached stream; it is cut off (``overflowed``) rather than ever slowing the daemon."""

    def __init__(self, kinds: Iterable[EventKind], bot_id: str | None, max_queue: int) -> None:
        self.kinds = frozenset(kinds)
        self.bot_id = bot_id
        self.queue: asyncio.Queue[EventRecord] = asyncio.Queue(max_queue)
        self.overflowed = asyncio.Event()

    def wants(self, record: EventRecord) -> bool:
        if self.kinds and record.kind not in self.kinds:
            return False
        return self.bot_id is None or record.bot_id == self.bot_id


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    def subscribe(
        self, kinds: Iterable[EventKind] = (), bot_id: str | None = None,
        max_queue: int = SUBSCRIBER_QUEUE,
    ) -> Subscription:
        sub = Subscription(kinds, bot_id, max_queue)
        self._subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscriptions.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    def publish(self, record: EventRecord) -> None:
        for sub in list(self._subscriptions):
            if not sub.wants(record):
                continue
            try:
                sub.queue.put_nowait(record)
            except asyncio.QueueFull:
                log.warning("event stream subscriber fell behind; cutting it off")
                sub.overflowed.set()
                self._subscriptions.discard(sub)


class EventSink:
    """The one way anything in the daemon emits an event: store it, then stream it."""

    def __init__(self, store: DaemonStore, bus: EventBus, clock: Clock) -> None:
        self.store = store
        self.bus = bus
        self.clock = clock

    def emit(
        self,
        kind: EventKind,
        message: str,
        *,
        bot_id: str | None = None,
        severity: Severity = Severity.INFO,
        data: dict[str, Any] | None = None,
    ) -> EventRecord:
        event = Event(kind, self.clock.now_ms(), message, bot_id, severity, data or {})
        return self.emit_events([event])[0]

    def emit_events(self, events: Iterable[Event]) -> list[EventRecord]:
        """Store several events in one transaction, then publish them in order. On a full
        disk they are logged instead (id 0, not streamed): whatever emits them goes on."""
        events = list(events)
        try:
            records = self.store.events.insert_many(events)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            for event in events:
                log.critical("event not recorded, the disk is full: %s", event.message)
            return [EventRecord(id=0, ts_ms=e.ts_ms, kind=e.kind, severity=e.severity,
                                bot_id=e.bot_id, message=e.message, data=e.data)
                    for e in events]
        return self.publish(records)

    def publish(self, records: list[EventRecord]) -> list[EventRecord]:
        """Stream events already stored (by a caller that wrote them in its own transaction)."""
        for record in records:
            self.bus.publish(record)
        return records
