"""The equity a live bot sizes with: the venue's balance per settle currency, read at most
every EQUITY_REFRESH_S (or again once a fill moved it)."""

from __future__ import annotations

import logging
import time

from plutarc.errors import VenueError
from plutarc.exchanges.base import Venue

log = logging.getLogger(__name__)

EQUITY_REFRESH_S = 10.0


class EquityCache:
    def __init__(self) -> None:
        self._read: dict[str, tuple[float, float]] = {}  # currency -> (value, read at)

    def forget(self) -> None:
        self._read.clear()

    async def read(self, venue: Venue, currency: str) -> float:
        """The last value when the venue does not answer (0 if it never did)."""
        cached = self._read.get(currency)
        if cached is not None and time.monotonic() - cached[1] < EQUITY_REFRESH_S:
            return cached[0]
        try:
            balances = {b.currency: b for b in await venue.balances()}
        except VenueError as exc:
            log.warning("balances unavailable: %s", exc)
            return cached[0] if cached else 0.0
        found = balances.get(currency)
        value = float(found.total) if found is not None else 0.0
        self._read[currency] = (value, time.monotonic())
        return value
