"""The event bus: filters per subscriber, and a slow subscriber is cut off, never waited for."""

from __future__ import annotations

from plutarc.clock import ManualClock
from plutarc.daemon.events import EventBus, EventSink
from plutarc.daemon.store import DaemonStore
from plutarc.models.events import EventKind


def test_subscribers_get_only_what_they_asked_for_and_slow_ones_are_cut_off():
    store = DaemonStore.open(":memory:")
    bus = EventBus()
    sink = EventSink(store, bus, ManualClock(1_000))
    everything = bus.subscribe()
    health_only = bus.subscribe(kinds=[EventKind.HEALTH])
    tiny = bus.subscribe(max_queue=2)

    for i in range(3):
        sink.emit(EventKind.ACTIVITY, f"note {i}")
    sink.emit(EventKind.HEALTH, "daemon fine")

    assert everything.queue.qsize() == 4
    assert [health_only.queue.get_nowait().message] == ["daemon fine"]
    assert tiny.overflowed.is_set() and tiny.queue.qsize() == 2
    assert bus.subscriber_count == 2  # the overflowed one was dropped
    assert [e.message for e in store.events.query()] == [
        "note 0", "note 1", "note 2", "daemon fine"]  # stored regardless of streams
