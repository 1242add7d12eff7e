"""A live bot's margin mode at the venue: set when a symbol starts trading (after the
leverage, which on some venues switches the mode by itself) and when the bot's setting
changes, only while that symbol is flat. A venue without the setting, an open position or
a venue's refusal is a warning on the activity feed with the reason; the bot trades on
with the venue's current mode (see plutarc/daemon/margin_mode.py for the daemon's side)."""

from __future__ import annotations

from plutarc.daemon.runtime.protocol import BotContext
from plutarc.errors import ConfigError, UsageError, VenueError
from plutarc.exchanges.base import Venue
from plutarc.models.events import EventKind, Severity


async def apply_margin_mode(ctx: BotContext, venue: Venue, symbol: str, flat: bool) -> bool:
    """Ask the venue for the bot's margin mode on ``symbol``; True when it is set."""
    mode = ctx.config.margin_mode
    if mode is None:
        return False  # the bot keeps the venue's own setting
    setter = getattr(venue, "set_margin_mode", None)
    keep = "; trading on with the venue's current margin mode"
    data = {"symbol": symbol, "margin_mode": mode}
    if setter is None:
        ctx.emit(EventKind.ACTIVITY, f"{venue.name} has no margin mode setting: {mode} margin "
                 f"not set on {symbol}{keep}", severity=Severity.WARNING, data=data)
        return False
    if not flat:
        ctx.emit(EventKind.ACTIVITY, f"{mode} margin not set on {symbol}: a position is open "
                 f"(the mode changes only while flat){keep}", severity=Severity.WARNING,
                 data=data)
        return False
    try:
        await setter(symbol, cross=mode == "cross")
    except (VenueError, ConfigError, UsageError) as exc:
        ctx.emit(EventKind.ACTIVITY, f"{venue.name} refused {mode} margin on {symbol}: "
                 f"{exc}{keep}", severity=Severity.WARNING, data={**data, "error": str(exc)})
        return False
    ctx.activity(f"{mode} margin set on {symbol}", **data)
    return True
