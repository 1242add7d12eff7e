"""Venue alerts about one of the bot's own orders become ALERT events of that bot.

A venue that can say "this row of yours carried a value I cannot read" (BitMEX's
``stream_alerts``: an unknown execType or ordStatus on an order this bot sent) does so on a
stream; the bot keeps trading and an operator is told, per order. Venues without such a
stream are left alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from plutarc.daemon.runtime.protocol import BotContext
from plutarc.exchanges.base import Venue
from plutarc.models.events import EventKind, Severity

log = logging.getLogger("plutarc.daemon.live")


def pump_venue_alerts(ctx: BotContext, venue: Venue) -> asyncio.Task | None:
    """A task turning the venue's alerts into ALERT events; None if it has no such stream."""
    stream = getattr(venue, "stream_alerts", None)
    if stream is None:
        return None
    return asyncio.create_task(_pump(ctx, venue.name, stream()), name="live-venue-alerts")


async def _pump(ctx: BotContext, venue_name: str, source: AsyncIterator[Any]) -> None:
    try:
        async for alert in source:
            ctx.emit(EventKind.ALERT, f"{venue_name}: {alert.message}", severity=Severity.WARNING,
                     data={"client_id": alert.client_id, "table": alert.table,
                           "venue": venue_name})
    except Exception:  # an alert pump must never take the bot down
        log.exception("venue alert stream of %s ended", venue_name)
