"""A live bot's equity: what it sizes with (the venue's balance per settle currency, read at
most every EQUITY_REFRESH_S, or again once a fill moved it) and its periodic snapshots."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from decimal import Decimal

from plutarc.daemon.live.leg import LiveLeg
from plutarc.daemon.runtime.protocol import BotContext
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


class EquitySnapshots:
    """An equity snapshot per settle currency every ``period_s`` (the daemon's
    ``equity_snapshot_interval_s``), whatever the template's intervals: the venue's wallet
    balance plus the unrealised PnL of the bot's own symbols' positions."""

    def __init__(self, period_s: float) -> None:
        self.period_s = period_s
        self._last = -float("inf")

    async def maybe_record(self, ctx: BotContext, venue: Venue,
                           legs: Sequence[LiveLeg]) -> bool:
        """Record when due; True when a snapshot was written. A venue that does not answer
        costs this snapshot only (the next one is tried a period later)."""
        if not legs or time.monotonic() - self._last < self.period_s:
            return False
        self._last = time.monotonic()
        try:
            balances = {b.currency: b.total for b in await venue.balances()}
            positions = await venue.positions()
        except VenueError as exc:
            log.warning("equity snapshot skipped: %s", exc)
            return False
        settles = {leg.symbol: leg.instrument.settle for leg in legs}
        unrealised = dict.fromkeys(settles.values(), Decimal(0))
        for position in positions:
            if position.symbol in settles:
                unrealised[settles[position.symbol]] += position.unrealised_pnl
        now = ctx.clock.now_ms()
        with ctx.store.transaction():
            for currency, open_pnl in sorted(unrealised.items()):
                ctx.store.equity.insert(ctx.bot_id, now, currency,
                                        balances.get(currency, Decimal(0)), open_pnl)
        return True
