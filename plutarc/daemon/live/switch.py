"""A live bot's side of the venue's dead man's switch: report it, hold it off, watch it."""

from __future__ import annotations

from plutarc.daemon.live.leg import LiveLeg
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.errors import VenueError
from plutarc.exchanges.base import Venue
from plutarc.models.events import EventKind, Severity


async def guard_stop(ctx: BotContext, venue: Venue, leg: LiveLeg) -> None:
    """A position whose stop rests on the venue holds the dead man's switch disarmed, so
    the switch cannot cancel that stop if the daemon dies; flat, it is released."""
    switch = getattr(venue, "dead_mans_switch", None)
    if switch is None or not venue.capabilities.exchange_side_stops:
        return
    holder = f"{ctx.bot_id}:{leg.symbol}"
    was_held = switch.held
    try:
        if leg.kernel.policy.flat:
            await switch.release(holder)
        else:
            await switch.hold(holder)
    except VenueError as exc:
        ctx.emit(EventKind.ALERT, f"dead man's switch not updated for {leg.symbol}: {exc}",
                 severity=Severity.WARNING)
        return
    if switch.held != was_held:
        ctx.activity("dead man's switch held off: the open position's stop must outlive "
                     "the daemon" if switch.held else "dead man's switch armed again: flat",
                     symbol=leg.symbol, held=switch.held)


def report_switch(ctx: BotContext, venue: Venue) -> None:
    """Say whether the venue's switch is armed (venues that have one keep it armed)."""
    switch = getattr(venue, "dead_mans_switch", None)
    if switch is None:
        return
    if switch.running:
        ctx.activity(f"dead man's switch armed: {venue.name} cancels this account's open "
                     f"orders {switch.timeout_ms / 1000:g} s after losing the daemon",
                     timeout_ms=switch.timeout_ms)
    else:
        ctx.emit(EventKind.ALERT, f"{venue.name} dead man's switch is NOT armed: orders "
                 "stay open if the daemon dies", severity=Severity.WARNING)


class SwitchWatch:
    """One alert when the switch stops re-arming, one activity when it recovers."""

    def __init__(self) -> None:
        self.alerted = False

    def check(self, ctx: BotContext, venue: Venue) -> None:
        switch = getattr(venue, "dead_mans_switch", None)
        failing = switch is not None and switch.last_error is not None
        if failing and not self.alerted:
            ctx.emit(EventKind.ALERT, f"{venue.name} dead man's switch not re-armed: "
                     f"{switch.last_error}", severity=Severity.WARNING)
        elif not failing and self.alerted:
            ctx.activity(f"{venue.name} dead man's switch re-armed")
        self.alerted = failing
