"""Deduplication and rate limiting: a flapping outage sends a few messages, with counts.

A story is (channel, dedup group, bot). Its first event is sent at once; repeats within
the dedup window are counted, and when the window ends one digest says how many (and
the latest). Each channel also has an hourly cap: beyond it messages are held and the
next free slot sends one message saying how many were held, except urgent kinds.
Pure logic on given times: the caller owns the clock.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

HOUR_MS = 3_600_000

StoryKey = tuple[str, str, str]  # channel, dedup group, bot id (or "")


@dataclass
class Story:
    opened_ms: int
    folded: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    latest: tuple[str, str, str] | None = None  # kind, severity, text of the last repeat


@dataclass
class Held:
    count: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


class Throttle:
    def __init__(self) -> None:
        self._stories: dict[StoryKey, Story] = {}
        self._sent: dict[str, deque[int]] = {}
        self._held: dict[str, Held] = {}

    def fold(self, key: StoryKey, kind: str, severity: str, text: str, now_ms: int,
             window_s: int) -> bool:
        """True when this event repeats an open story (counted, not sent now)."""
        story = self._stories.get(key)
        if story is None or now_ms - story.opened_ms >= window_s * 1000 and not story.folded:
            self._stories[key] = Story(opened_ms=now_ms)
            return False
        story.folded += 1
        story.kinds[kind] += 1
        story.latest = (kind, severity, text)
        return True

    def due_digests(self, now_ms: int, window_s: int) -> list[tuple[StoryKey, Story]]:
        """Stories whose window ended with repeats: each is answered by one digest, and a
        new window opens (so a storm that goes on sends one digest per window)."""
        due = []
        for key, story in list(self._stories.items()):
            if now_ms - story.opened_ms < window_s * 1000:
                continue
            if story.folded:
                due.append((key, story))
                self._stories[key] = Story(opened_ms=now_ms)
            else:
                del self._stories[key]
        return due

    def take_slot(self, channel: str, kind: str, now_ms: int, max_per_hour: int,
                  urgent: bool) -> bool:
        """True when ``channel`` may send now (the slot is taken); else the message is
        counted as held for the next digest."""
        sent = self._sent.setdefault(channel, deque())
        while sent and now_ms - sent[0] >= HOUR_MS:
            sent.popleft()
        if urgent or len(sent) < max_per_hour:
            sent.append(now_ms)
            return True
        held = self._held.setdefault(channel, Held())
        held.count += 1
        held.kinds[kind] += 1
        return False

    def release_held(self, channel: str, now_ms: int, max_per_hour: int) -> Held | None:
        """The messages held back on ``channel``, once a slot is free again (it is taken)."""
        held = self._held.get(channel)
        if held is None or not held.count:
            return None
        if not self.take_slot(channel, "held", now_ms, max_per_hour, urgent=False):
            held.count -= 1  # take_slot counted the digest itself as held: undo
            held.kinds["held"] -= 1
            if held.kinds["held"] <= 0:
                del held.kinds["held"]
            return None
        return self._held.pop(channel)

    def held_channels(self) -> list[str]:
        return [c for c, h in self._held.items() if h.count]
