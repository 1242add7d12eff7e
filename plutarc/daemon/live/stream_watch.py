"""Tells the trader when a venue's sockets drop and come back, so a bot that runs on REST
polling while its socket is down is never a silent change.

Adapters keep the numbers (each socket family, ``venue.live.public`` / ``.private``, counts
``connects`` and ``drops`` and keeps ``last_drop``, the reason); this watch turns their changes
into ACTIVITY events on the bot: a WARNING when a socket dropped, an INFO when it is back. A
socket that flaps is reported at most once a minute per family, with the count since the
last report, so an outage flapping a hundred times writes a few rows, not hundreds. A
socket's first connect, and the return from a lone drop (one drop after a quiet minute), are
told at once: they are not flapping, and "down, polling" must not stand a minute while the
socket is back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from plutarc.daemon.runtime.protocol import BotContext
from plutarc.exchanges.base import Venue
from plutarc.models.events import EventKind, Severity

REPORT_EVERY_S = 60.0
FAMILIES = (("public", "market"), ("private", "account"))


@dataclass
class _Seen:
    connects: int
    drops: int
    reported_up: bool
    reported_at: float = float("-inf")
    unreported_drops: int = 0
    lone_drop: bool = False  # the last report told one drop after a quiet minute


class StreamWatch:
    def __init__(self, report_every_s: float = REPORT_EVERY_S) -> None:
        self.report_every_s = report_every_s
        self._seen: dict[str, _Seen] = {}

    def check(self, ctx: BotContext, venue: Venue) -> None:
        streams = getattr(venue, "live", None)
        for attr, label in FAMILIES:
            sock = getattr(streams, attr, None)
            if sock is not None:
                self._check_one(ctx, venue.name, label, sock)

    def _check_one(self, ctx: BotContext, venue: str, label: str, sock: Any) -> None:
        connects = int(getattr(sock, "connects", 0) or 0)
        drops = int(getattr(sock, "drops", 0) or 0)
        up = bool(getattr(sock, "up", False))
        seen = self._seen.get(label)
        if seen is None:  # first look: what happened before this bot started is not news
            self._seen[label] = _Seen(connects, drops, up)
            return
        seen.unreported_drops += max(drops - seen.drops, 0)
        seen.connects, seen.drops = connects, drops
        if up == seen.reported_up and not seen.unreported_drops:
            return
        now = time.monotonic()
        # Not flapping, told at once without holding back the next drop's report: a
        # socket's first connect (no drop yet), and the return from a lone drop (one drop
        # told after a quiet minute, none since), which would otherwise leave "down,
        # polling" standing for a minute while the socket is back.
        first_connect = up and not drops
        back = up and seen.lone_drop and not seen.reported_up and not seen.unreported_drops
        quiet = now - seen.reported_at >= self.report_every_s
        if not (first_connect or back or quiet):
            return  # flapping: the next report says where it stands, with the count
        seen.reported_up = up
        if not (first_connect or back):
            seen.reported_at = now
        count, seen.unreported_drops = seen.unreported_drops, 0
        seen.lone_drop = not up and count == 1 and quiet
        times = f" ({count} drops since the last report)" if count > 1 else ""
        reason = str(getattr(sock, "last_drop", "") or "no reason given")
        data = {"venue": venue, "stream": label, "drops": count, "up": up}
        if not up:
            ctx.emit(EventKind.ACTIVITY, f"{venue} {label} socket down{times}: {reason}; "
                     "polling the venue's REST API until it reconnects",
                     severity=Severity.WARNING, data=data)
        elif count:
            ctx.emit(EventKind.ACTIVITY, f"{venue} {label} socket dropped{times} ({reason}) "
                     f"and reconnected (socket #{connects}); what it missed was read over "
                     "REST", severity=Severity.WARNING, data=data)
        else:
            again = "reconnected" if connects > 1 else "connected"
            ctx.emit(EventKind.ACTIVITY, f"{venue} {label} socket {again} "
                     f"(socket #{connects})", data=data)
