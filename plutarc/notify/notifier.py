"""The notifier: events in, routed through the matrix, deduplicated, queued, delivered.

Nothing here runs on the trading path. What emits an event only puts it on a bounded
queue (``offer``, or the event bus's own put into a queue handed over with ``attach``);
one task drains that queue in batches and does the rest off the path: it classifies,
matches the routes, folds repeats, counts the hourly cap and writes what is to be sent
into the SQLite outbox, one transaction a batch. One task per channel delivers from the
outbox with retry and backoff (``risk.policy.Backoff``) through the courier process
(apprise never runs in the daemon), and a tick sends digests of folded repeats, messages
held by the hourly cap and the daily summary. A channel that fails raises one WARNING
event (and one when it delivers again), never an error in a bot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from plutarc.clock import Clock
from plutarc.errors import PlutarcError
from plutarc.keys.backends import SecretBackend
from plutarc.notify.channels import ChannelNotFound, ChannelStore
from plutarc.notify.kinds import (
    DEDUP_GROUP,
    URGENT,
    EventLike,
    NotifyKind,
    classify,
    passes,
)
from plutarc.notify.matrix import Matrix, NotifySettings
from plutarc.notify.message import Message, compose, fold_note
from plutarc.notify.outbox import Outbox
from plutarc.notify.schedule import DAY_MS, next_at
from plutarc.notify.sender import Sender
from plutarc.notify.throttle import Throttle
from plutarc.risk.policy import Backoff
from plutarc.storage.sqlite import Database

log = logging.getLogger(__name__)

INBOX = 10_000
BATCH = 500  # events routed between two yields to the event loop
STOP_S = 2.0
RETRY = Backoff(base_s=5.0, cap_s=900.0, attempts=1)
# (message, severity, data): how the daemon records what the notifier has to say
Emit = Callable[[str, str, dict[str, object]], None]
Summary = Callable[[int, int], Awaitable[str]]  # (from_ms, to_ms) -> the day's summary


class Notifier:
    def __init__(self, channels: ChannelStore, matrix: Matrix, outbox: Outbox, clock: Clock,
                 emit: Emit, bot_name: Callable[[str], str | None], summary: Summary,
                 sender: Sender | None = None, tick_s: float = 1.0) -> None:
        self.channels, self.matrix, self.outbox, self.clock = channels, matrix, outbox, clock
        self._emit, self._bot_name, self._summary = emit, bot_name, summary
        self.sender = sender or Sender()
        self.tick_s = tick_s
        self.throttle = Throttle()
        self._inbox: asyncio.Queue[EventLike] = asyncio.Queue(INBOX)
        self._backlog: asyncio.Queue[Any] | None = None  # an intake replaced before start
        self._urls: dict[str, str] = {}  # channel -> URL, read from the key store once
        self._wake: dict[str, asyncio.Event] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.failing: dict[str, str] = {}  # channel -> why its last delivery failed
        self.dropped = 0
        self.reload()

    @classmethod
    def open(cls, db: Database, backend: SecretBackend, clock: Clock, emit: Emit,
             bot_name: Callable[[str], str | None], summary: Summary,
             sender: Sender | None = None, tick_s: float = 1.0) -> Notifier:
        return cls(ChannelStore(db, backend), Matrix(db), Outbox(db), clock, emit, bot_name,
                   summary, sender, tick_s)

    # configuration ------------------------------------------------------------------------
    def reload(self) -> None:
        """Read channels, routes and settings again (after a change through the API)."""
        self.settings: NotifySettings = self.matrix.settings()
        names = [c.name for c in self.channels.all()]
        self._levels = {(r.channel, r.kind): r.level for r in self.matrix.routes(names)}
        self._channel_names = names
        self._urls.clear()  # a channel removed and added again may have a new URL
        self._next_summary = next_at(self.settings.summary_at, self.clock.now_ms())
        for name in names:
            self._ensure_loop(name)
        for gone in [n for n in self._tasks if not n.startswith("<") and n not in names]:
            self._tasks.pop(gone).cancel()  # a removed channel: its queue went with it

    # intake: O(1) on the caller's side, all the work in the route task ---------------------
    def attach(self, inbox: asyncio.Queue[Any]) -> None:
        """Route from ``inbox`` from now on (the daemon's event-bus subscription, whose
        publish is then the only work done where an event is emitted). Whatever is still
        in the previous queue is routed first."""
        previous, self._inbox = self._inbox, inbox
        task = self._tasks.get("<route>")
        if task is not None:  # it may be waiting on the previous queue: wait on this one
            task.cancel()
            self._tasks["<route>"] = asyncio.create_task(self._route_loop(previous),
                                                         name="notify-route")
        else:
            self._backlog = previous  # start() routes it first

    def offer(self, event: EventLike) -> None:
        try:
            self._inbox.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped == 1:
                log.warning("notifications fell behind: events are being skipped")

    # lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self._tasks["<route>"] = asyncio.create_task(self._route_loop(self._backlog),
                                                     name="notify-route")
        self._backlog = None
        self._tasks["<tick>"] = asyncio.create_task(self._tick_loop(), name="notify-tick")
        for name in set(self._channel_names) | set(self.outbox.channels()):
            self._ensure_loop(name)
        if self._channel_names:
            self.sender.warm()

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        if tasks:  # bounded: notifications never hold the daemon's shutdown
            await asyncio.wait(tasks, timeout=STOP_S)
        await self.sender.close()

    def _ensure_loop(self, channel: str) -> None:
        if "<route>" not in self._tasks:
            return  # not started yet: start() begins every channel's loop
        task = self._tasks.get(channel)
        if task is None or task.done():
            self._wake.setdefault(channel, asyncio.Event())
            self._tasks[channel] = asyncio.create_task(self._deliver_loop(channel),
                                                       name=f"notify-{channel}")

    # routing --------------------------------------------------------------------------------
    async def _route_loop(self, backlog: asyncio.Queue[Any] | None = None) -> None:
        while backlog is not None and not backlog.empty():  # left by a previous intake
            self._route_now(_drain(backlog, BATCH))
            await asyncio.sleep(0)
        while True:
            inbox = self._inbox
            batch = [await inbox.get()]
            batch += _drain(inbox, BATCH - 1)
            self._route_now(batch)
            await asyncio.sleep(0)  # a burst is routed in slices: bots run in between

    def _route_now(self, events: list[EventLike]) -> None:
        """Route ``events``; what they queue is written in one transaction."""
        if not events:
            return
        try:
            with self.outbox.db.transaction():
                for event in events:
                    try:
                        self.route(event)
                    except Exception:  # one odd event must not end notifications
                        log.exception("could not route an event to notifications")
        except Exception:  # e.g. a full disk at the commit: the next batch tries again
            log.exception("could not queue %d events' notifications", len(events))

    def route(self, event: EventLike) -> int:
        """Queue ``event`` for every channel whose route wants it; how many were queued."""
        kind = classify(event)
        if kind is None:
            return 0
        severity, now = str(event.severity), self.clock.now_ms()
        bot: str | None = None
        queued = 0
        for channel in self._channel_names:
            if not passes(severity, self._levels.get((channel, kind), "off")):
                continue
            key = (channel, DEDUP_GROUP.get(kind, kind.value), event.bot_id or "")
            # urgent kinds are never folded: "kill switch NOT verified" must follow at once
            if kind not in URGENT and self.throttle.fold(
                    key, kind.value, severity, event.message, now,
                    self.settings.dedup_window_s):
                continue
            if bot is None and event.bot_id:  # looked up only for a message that is sent
                bot = self._bot_name(event.bot_id)
            queued += self._enqueue(channel, compose(kind, severity, event.message, bot), now)
        return queued

    def _enqueue(self, channel: str, msg: Message, now: int, slot_taken: bool = False) -> int:
        if not slot_taken and not self.throttle.take_slot(
                channel, msg.kind.value, now, self.settings.max_per_hour, msg.kind in URGENT):
            return 0
        self.outbox.add(channel, msg.kind.value, msg.severity, msg.title, msg.body, now)
        self._ensure_loop(channel)
        self._wake.setdefault(channel, asyncio.Event()).set()
        return 1

    # the tick: digests, held messages, the daily summary, stale messages ---------------------
    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            try:
                self.tick()
            except Exception:
                log.exception("notification tick failed")

    def tick(self) -> None:
        now, settings = self.clock.now_ms(), self.settings
        for (channel, _group, bot_id), story in self.throttle.due_digests(
                now, settings.dedup_window_s):
            if story.latest is None or channel not in self._channel_names:
                continue
            kind, severity, text = story.latest
            note = fold_note(story.folded, settings.dedup_window_s, dict(story.kinds))
            bot = self._bot_name(bot_id) if bot_id else None
            self._enqueue(channel, compose(NotifyKind(kind), severity, f"{text}\n{note}", bot),
                          now)
        for channel in self.throttle.held_channels():
            held = self.throttle.release_held(channel, now, settings.max_per_hour)
            if held is not None:
                what = ", ".join(f"{n} x {k.replace('_', ' ')}" for k, n in held.kinds.items())
                text = (f"{held.count} messages were held back by the limit of "
                        f"{settings.max_per_hour} an hour ({what}); the full story: "
                        "'plutarc events'")
                self._enqueue(channel, compose(NotifyKind.OTHER_ALERT, "warning", text, None),
                              now, slot_taken=True)
        if self._next_summary is not None and now >= self._next_summary:
            self._next_summary = next_at(settings.summary_at, now)
            # its figures are counted off the event loop: the tick does not wait for them
            self._tasks["<summary>"] = asyncio.create_task(
                self._summary_quietly(now - DAY_MS, now), name="notify-summary")
        dropped = self.outbox.drop_older(now - settings.max_age_s * 1000)
        if dropped:
            log.warning("%d notifications not delivered within %d s were dropped", dropped,
                        settings.max_age_s)

    async def _summary_quietly(self, from_ms: int, to_ms: int) -> None:
        try:
            await self.send_summary(from_ms, to_ms)
        except Exception:
            log.exception("the daily summary could not be made")

    async def send_summary(self, from_ms: int, to_ms: int) -> tuple[str, int]:
        """The summary's text, and for how many channels it was queued."""
        text = await self._summary(from_ms, to_ms)
        queued = 0
        for channel in self._channel_names:
            if passes("info", self._levels.get((channel, NotifyKind.DAILY_SUMMARY), "off")):
                queued += self._enqueue(channel, compose(NotifyKind.DAILY_SUMMARY, "info",
                                                         text, None), to_ms, slot_taken=True)
        return text, queued

    # delivery -------------------------------------------------------------------------------
    async def _deliver_loop(self, channel: str) -> None:
        wake = self._wake.setdefault(channel, asyncio.Event())
        while True:
            try:
                wait_s = await self._deliver_next(channel)
            except ChannelNotFound:
                return
            except Exception:
                log.exception("notification delivery on channel %r failed", channel)
                wait_s = 5.0
            if wait_s:
                wake.clear()
                waiter = asyncio.ensure_future(wake.wait())
                try:  # asyncio.wait: wait_for may swallow a cancellation on Python 3.11
                    await asyncio.wait({waiter}, timeout=wait_s)
                finally:
                    waiter.cancel()

    async def _deliver_next(self, channel: str) -> float:
        """Try the channel's oldest message; the seconds to wait before looking again."""
        row = self.outbox.next_for(channel)
        if row is None:
            return 60.0
        now = self.clock.now_ms()
        if row.next_try_ms > now:
            return (row.next_try_ms - now) / 1000
        try:
            url = self._url(channel)
        except ChannelNotFound:
            raise
        except PlutarcError as exc:  # e.g. the key file is locked: wait, keep the message
            reason: str | None = str(exc)
        else:
            reason = await self.sender.send(url, row.title, row.body, row.severity,
                                            self.settings.timeout_s)
        if reason is None:
            self.outbox.done(row.id)
            if self.failing.pop(channel, None) is not None:
                self._emit(f"notification channel {channel!r} delivers again", "info",
                           {"notify_channel": channel})
            return 0.0
        attempts = row.attempts + 1
        delay_s = RETRY.delay_s(min(attempts - 1, 16))
        self.outbox.retry_later(row.id, attempts, now + int(delay_s * 1000))
        if channel not in self.failing:
            self._emit(f"notification channel {channel!r} failed: {reason}; messages wait in "
                       "its queue and are retried with backoff ('plutarc notify list' shows "
                       "how many)", "warning", {"notify_channel": channel})
        self.failing[channel] = reason
        return delay_s

    def _url(self, channel: str) -> str:
        url = self._urls.get(channel)
        if url is None:  # the OS keyring may be slow: asked once per channel, not per message
            url = self._urls[channel] = self.channels.url(channel)
        return url

    # operator actions -----------------------------------------------------------------------
    async def test(self, channel: str) -> str | None:
        """Send one test message now, outside the queue; None when it was delivered."""
        url = self.channels.url(channel)
        msg = compose(NotifyKind.OTHER_ALERT, "info", f"test message for channel {channel!r}: "
                      "if you read this, alerts reach you here", None)
        return await self.sender.send(url, msg.title.replace("alert", "test"), msg.body,
                                      "info", self.settings.timeout_s)

    def pending(self) -> dict[str, int]:
        return self.outbox.counts()


def _drain(queue: asyncio.Queue[Any], most: int = INBOX) -> list[Any]:
    """Up to ``most`` items already waiting in ``queue``, without waiting."""
    items = []
    while len(items) < most and not queue.empty():
        items.append(queue.get_nowait())
    return items
