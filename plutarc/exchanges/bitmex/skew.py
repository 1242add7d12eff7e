"""The venue's clock as seen from here: the local clock plus a measured offset.

BitMEX checks ``api-expires`` against its own clock, so a host clock a few seconds behind
makes every signature expire on arrival. The offset is measured at start and every
``RESYNC_S`` as the median of ``SAMPLES`` round trips of ``GET /`` (server time minus the
midpoint of the round trip), and again whenever a signature is answered "expired".

The server's time is the answer's JSON ``timestamp`` (ms) when it agrees with the HTTP
``Date`` header (s) within ``DATE_AGREEMENT_MS``; otherwise the ``Date`` header. The second
case is the local simulator, whose root ``timestamp`` is its replay clock, not the clock it
checks signatures against; on BitMEX the two are one clock.
"""

from __future__ import annotations

import statistics
from email.utils import parsedate_to_datetime
from typing import Any

from plutarc.clock import Clock

SAMPLES = 5
RESYNC_S = 1800.0
DATE_AGREEMENT_MS = 2000
_HALF_SECOND_MS = 500  # a Date header is the whole second: its midpoint is the best guess


class VenueClock:
    """A Clock reading ``local`` plus ``offset_ms`` (venue minus local)."""

    def __init__(self, local: Clock) -> None:
        self.local = local
        self.offset_ms = 0.0
        self.syncs = 0

    def now_ms(self) -> int:
        return int(self.local.now_ms() + self.offset_ms)

    def set_offset(self, offset_ms: float) -> None:
        self.offset_ms = offset_ms
        self.syncs += 1


def server_ms(answer: Any, date_header: str | None) -> float | None:
    """The server's clock from one ``GET /`` answer (None when it carries no time)."""
    date_ms = None
    if date_header:
        try:
            date_ms = parsedate_to_datetime(date_header).timestamp() * 1000
        except (TypeError, ValueError):
            date_ms = None
    stamp = answer.get("timestamp") if isinstance(answer, dict) else None
    if isinstance(stamp, int | float) and (
        date_ms is None or abs(stamp - date_ms) < DATE_AGREEMENT_MS
    ):
        return float(stamp)
    return None if date_ms is None else date_ms + _HALF_SECOND_MS


def median_offset(samples: list[tuple[float, float, float]]) -> float:
    """Median of ``server - (sent + received) / 2`` over (sent_ms, server_ms, received_ms)."""
    if not samples:
        raise ValueError("no clock samples")
    return statistics.median(server - (sent + received) / 2 for sent, server, received in samples)
