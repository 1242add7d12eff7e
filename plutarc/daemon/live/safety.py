"""A live bot's safety duties: flatten on request, and watch its positions against the venue.

Flatten (the kill switch and ``bot flatten``): every open order of the bot is cancelled,
resting stops included, and every position the bot holds is closed with a reduce-only
market order. Positions the bot does not know are never touched.

Position watch (the reconcile while connected): every ``every_s`` (5 minutes by default,
jittered so bots sharing an account do not ask the venue in step; its reads go through the
adapter's paced lane, which leaves the rate budget's reserve to cancels and stops) and after
every reconnect of the venue's streams, missed fills are fetched and applied once each,
orders the venue closed are followed, then the venue's positions and open orders are
compared with the bot's own. A mismatch is an ALERT showing both sides (once per distinct
mismatch), never an automatic close or cancel.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from decimal import Decimal

from plutarc.daemon.live.kernel_state import forget_order
from plutarc.daemon.live.leg import LiveLeg
from plutarc.daemon.live.order_watch import OrderWatch, order_mismatches
from plutarc.daemon.live.reconcile import catch_up_fills, follow_orders
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.errors import VenueError
from plutarc.exchanges.base import Venue
from plutarc.models.events import EventKind, Severity
from plutarc.strategy.intents import Cancel

Mismatch = tuple[Decimal, Decimal]  # (venue qty, bot qty)
RECONCILE_EVERY_S = 300.0
RECONCILE_JITTER = 0.2  # each interval is every_s times a uniform draw in [0.8, 1.2]


def _open_ids(ctx: BotContext, symbol: str) -> list[str]:
    rows = ctx.store.db.execute(
        "SELECT client_id FROM orders WHERE bot_id = ? AND symbol = ? AND status IN "
        "('pending', 'new', 'partially_filled') ORDER BY journaled_ms", (ctx.bot_id, symbol))
    return [r["client_id"] for r in rows]


async def _cancel_all_but(ctx: BotContext, leg: LiveLeg, keep: set[str], reason: str) -> int:
    cancelled = 0
    for client_id in _open_ids(ctx, leg.symbol):
        if client_id in keep:
            continue
        await leg.execution.apply([Cancel(client_id, reason)])
        forget_order(leg.kernel, client_id)
        cancelled += 1
    return cancelled


async def flatten_legs(ctx: BotContext, legs: Sequence[LiveLeg], reason: str) -> int:
    """Cancel, close, then cancel what is left (a stop kept while an exit was already on
    its way); returns the number of cancel requests. Entries go first, so none can fill
    after the close."""
    requests = 0
    for leg in legs:
        policy = leg.kernel.policy
        protective = {c for c in (policy.stop_id, policy.target_id) if c is not None}
        exits = {c for c, tag in policy.pending.items() if tag == "exit"}
        requests += await _cancel_all_but(ctx, leg, protective | exits, reason)
        await leg.execution.apply(leg.kernel.flatten(reason))
        exits = {c for c, tag in policy.pending.items() if tag == "exit"}
        requests += await _cancel_all_but(ctx, leg, exits, reason)
    return requests


def link_epoch(venue: Venue) -> int:
    """How many times the venue's streams have connected (0 when it cannot say)."""
    streams = getattr(venue, "live", None)
    sockets = (getattr(streams, "public", None), getattr(streams, "private", None))
    return sum(int(getattr(s, "connects", 0) or 0) for s in sockets if s is not None)


class PositionWatch:
    def __init__(self, every_s: float = RECONCILE_EVERY_S, jitter: float = RECONCILE_JITTER,
                 rng: random.Random | None = None) -> None:
        self.every_s = every_s
        self.jitter = jitter
        self._rng = rng or random.Random()
        self._next = time.monotonic() + self.interval_s()
        self._epoch: int | None = None
        self._alerted: dict[str, Mismatch] = {}
        self._orders = OrderWatch()
        self.checks = 0

    def interval_s(self) -> float:
        """The wait until the next periodic check: ``every_s``, jittered."""
        return self.every_s * self._rng.uniform(1.0 - self.jitter, 1.0 + self.jitter)

    def due(self, venue: Venue) -> str | None:
        """Why a check is due now ('periodic', 'reconnect'), or None."""
        epoch = link_epoch(venue)
        previous, self._epoch = self._epoch, epoch
        if previous is not None and epoch != previous:
            return "reconnect"
        if time.monotonic() >= self._next:
            return "periodic"
        return None

    async def check(self, ctx: BotContext, venue: Venue, legs: Sequence[LiveLeg],
                    why: str) -> dict[str, Mismatch]:
        """Catch up on fills, compare, and alert on mismatches that are new."""
        self._next = time.monotonic() + self.interval_s()
        self.checks += 1
        try:
            await catch_up_fills(ctx, venue, legs)
            await follow_orders(ctx, venue, legs, f"(seen at the {why} check)")
            found = await _mismatches(ctx, venue, legs)
            if found:  # a fill may have landed between the two reads: read both again
                await catch_up_fills(ctx, venue, legs)
                found = await _mismatches(ctx, venue, legs)
            strays = await order_mismatches(ctx, venue, legs)
        except VenueError as exc:
            ctx.emit(EventKind.ACTIVITY, f"position check ({why}) skipped: {venue.name} did "
                     f"not answer ({exc})", severity=Severity.WARNING)
            return {}
        for symbol, (at_venue, ours) in found.items():
            if self._alerted.get(symbol) == (at_venue, ours):
                continue
            ctx.emit(EventKind.ALERT, f"{venue.name} shows {at_venue} {symbol} but this bot "
                     f"holds {ours} (position check, {why}); left alone: close or adopt the "
                     "difference by hand", severity=Severity.WARNING,
                     data={"symbol": symbol, "venue_qty": str(at_venue), "bot_qty": str(ours),
                           "check": why})
        for symbol in [s for s in self._alerted if s not in found]:
            ctx.activity(f"{symbol}: the venue's position agrees with the bot's again",
                         symbol=symbol)
        self._alerted = dict(found)
        self._orders.report(ctx, venue.name, strays, why)
        return found


async def _mismatches(ctx: BotContext, venue: Venue, legs: Sequence[LiveLeg]
                      ) -> dict[str, Mismatch]:
    positions = {p.symbol: p.qty for p in await venue.positions()}
    out: dict[str, Mismatch] = {}
    for leg in legs:
        ours = leg.fills.position(ctx.clock.now_ms()).qty
        at_venue = positions.get(leg.symbol, Decimal(0))
        if at_venue != ours:
            out[leg.symbol] = (at_venue, ours)
    return out
