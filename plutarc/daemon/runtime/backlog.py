"""A bot's journal writes while the disk is full: held in memory, in order, written when it can.

A full disk must not stop a bot that holds a position (issue 23 item 5). What the bot does in
memory goes on: protective stops stay at the venue, reduce-only exits and cancels go out, fills
move the kernel's position. The journal rows this produces (order intents and statuses, fills,
trades, positions, equity) are held here in the order they happened and written, each as it
would have been written at the time, as soon as the disk takes writes again: in order, once.

The first refused write raises one ALERT saying the disk is full and what to do; when it cannot
be stored either it is held too (first in line) and logged. While anything is held the bot opens
nothing new: ``BotContext.entries_allowed`` is false and the decisions say "disk full". When the
held writes are all in, one event says so.

Memory is bounded. A write with a ``key`` replaces the held one with the same key (a position's
latest state, the newest equity point); decisions are held only up to ``SOFT_LIMIT`` and then
dropped; past ``MAX_HELD`` nothing more is held and the loss is counted and said: a restart's
reconcile against the venue recovers live orders and fills.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from plutarc.daemon.chaos import failpoint
from plutarc.models.events import Event, EventKind, Severity
from plutarc.storage.sqlite import is_disk_full
from plutarc.strategy.decision import Decision

if TYPE_CHECKING:
    from plutarc.daemon.runtime.protocol import BotContext
    from plutarc.models import OrderRequest

log = logging.getLogger(__name__)

MAX_HELD = 10_000
SOFT_LIMIT = 1_000  # droppable writes (decisions) are held only below this
DISK_FULL_REASON = "disk full: no new entries until the journal can be written"
PAUSED_REASON = "bot: entries paused"
WHAT_TO_DO = ("free space on the disk of the daemon's data directory (old logs, backups, "
              "downloaded candles); nothing needs restarting")


@dataclass
class Held:
    what: str
    write: Callable[[], object]
    key: str | None = None


class JournalBacklog:
    """One bot's held journal writes (one per start of the bot, on its BotContext)."""

    def __init__(self, ctx: BotContext, max_held: int = MAX_HELD,
                 soft_limit: int = SOFT_LIMIT) -> None:
        self.ctx = ctx
        self.max_held = max_held
        self.soft_limit = soft_limit
        self.held: deque[Held] = deque()
        self.dropped = 0  # decisions not kept (memory bound)
        self.lost = 0  # journal writes not kept (memory bound): the venue has them
        self.written_late = 0
        self.outages = 0

    @property
    def holding(self) -> bool:
        """True while anything waits for the disk: the bot opens nothing new meanwhile."""
        return bool(self.held)

    def write(self, what: str, write: Callable[[], object], *, key: str | None = None,
              droppable: bool = False) -> bool:
        """Write now, or hold the write (behind those already held) when the disk is full;
        True when it was written now. Errors other than a full disk propagate."""
        if not self.held:
            try:
                write()
                return True
            except Exception as exc:
                if not is_disk_full(exc):
                    raise
                self._outage(what, exc)
        self._hold(Held(what, write, key), droppable)
        return False

    def journal_first(self, request: OrderRequest, now_ms: int) -> bool:
        """Journal an order's intent, then mark it sent, before the venue sees it; False
        when a full disk refused it (or writes are held for one) and nothing was written:
        the caller sends only what may go unjournaled (reduce-only, cancels)."""
        if self.held:
            return False
        journal = self.ctx.store.orders
        try:
            journal.journal_intent(self.ctx.bot_id, request, now_ms)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            self.refused(f"the intent of {request.client_id}", exc)
            return False
        failpoint("after_journal")
        self.write(f"sent mark of {request.client_id}",
                   partial(journal.mark_sent, request.client_id, now_ms))
        return True

    def refused(self, what: str, exc: BaseException) -> None:
        """A write the caller could not hold (it failed part-way): say the disk is full."""
        if not self.held:
            self._outage(what, exc)

    def flush(self) -> int:
        """Write what is held, in order, while the disk takes it; how many are still held."""
        if not self.held:
            return 0
        while self.held:
            item = self.held[0]
            try:
                item.write()
            except Exception as exc:
                if is_disk_full(exc):
                    return len(self.held)
                log.error("bot %s: a late journal write (%s) failed: %s", self.ctx.bot_id,
                          item.what, exc)
            else:
                self.written_late += 1
                log.warning("bot %s: journaled late, the disk has room again: %s",
                            self.ctx.bot_id, item.what)
            self.held.popleft()
        self._recovered()
        return 0

    def explain(self, decisions: list[Decision]) -> list[Decision]:
        """While held writes wait, an entry refused as 'paused' was refused for the disk."""
        if not self.held:
            return decisions
        return [replace(d, skip_reasons=tuple(DISK_FULL_REASON if r == PAUSED_REASON else r
                                              for r in d.skip_reasons))
                for d in decisions]

    # -------------------------------------------------------------------------------------
    def _hold(self, item: Held, droppable: bool) -> None:
        if item.key is not None:
            for old in [h for h in self.held if h.key == item.key]:
                self.held.remove(old)  # superseded: only the newest state is written
        if droppable and len(self.held) >= self.soft_limit:
            self.dropped += 1
            return
        if len(self.held) >= self.max_held:
            self.lost += 1
            if self.lost == 1:
                log.critical("bot %s: %d journal writes are held for the full disk; no more are "
                             "kept (%s): restart the bot once the disk has room, its reconcile "
                             "with the venue recovers orders and fills", self.ctx.bot_id,
                             len(self.held), item.what)
            return
        self.held.append(item)

    def _outage(self, what: str, exc: BaseException) -> None:
        self.outages += 1
        message = (f"the disk is full: the journal could not record {what}. Positions stay "
                   f"protected and exits still go out; {WHAT_TO_DO}. What could not be "
                   "written is held in memory and written as soon as there is room")
        data: dict[str, Any] = {"disk_full": True, "what": what, "error": str(exc)}
        event = Event(EventKind.ALERT, self.ctx.clock.now_ms(), message, self.ctx.bot_id,
                      Severity.ERROR, data)
        log.critical("bot %s: %s", self.ctx.bot_id, message)
        try:
            self.ctx.record_event(event)
        except Exception as err:
            if not is_disk_full(err):
                raise
            # held first: the alert is journaled before anything it announces
            self.held.append(Held("the disk-full alert", lambda: self.ctx.record_event(event)))

    def _recovered(self) -> None:
        lost = (f"; {self.lost} journal writes could not be kept in memory: restart the bot to "
                "reconcile them with the venue" if self.lost else "")
        dropped = f"; {self.dropped} decisions were not kept" if self.dropped else ""
        self.ctx.emit(EventKind.ALERT if self.lost else EventKind.ACTIVITY,
                      f"the disk has room again: {self.written_late} held journal writes are "
                      f"written{dropped}{lost}; new entries are allowed again",
                      severity=Severity.ERROR if self.lost else Severity.WARNING,
                      data={"disk_full": False, "written_late": self.written_late,
                            "dropped": self.dropped, "lost": self.lost})
        self.written_late = self.dropped = self.lost = 0
