"""A live bot that cannot reach its venue waits and connects again; it never gives up.

An outage (network, maintenance, overload) must not turn into a bot that stays errored
for the rest of the month: the worker closes what it had, says so, waits with growing
pauses (capped at RECONNECT_CAP_S) while answering commands, and runs its whole start
again: warm-up, restore from the store, reconcile with the venue. Open positions keep their
resting exchange-side stops meanwhile. Only errors the policy calls transient are retried;
anything else still fails the bot with its reason.
"""

from __future__ import annotations

from plutarc.daemon.runtime.protocol import BotContext, FlattenRequested
from plutarc.models.events import EventKind, Severity
from plutarc.risk.policy import Backoff, ErrorClass, classify

RECONNECT = Backoff(base_s=1.0, cap_s=300.0, attempts=1)


def is_outage(exc: BaseException) -> bool:
    return classify(exc) is ErrorClass.TRANSIENT


async def wait_to_reconnect(ctx: BotContext, exc: BaseException, attempt: int,
                            venue_name: str) -> bool:
    """Say why and wait before connecting again; False when the bot is stopping."""
    delay = RECONNECT.delay_s(attempt)
    if attempt == 0:
        ctx.emit(EventKind.ALERT, f"lost {venue_name}: {exc}; connecting again (open "
                 "positions keep their resting stops on the exchange)",
                 severity=Severity.WARNING,
                 data={"error": str(exc), "venue": venue_name, "outage": True})
    ctx.emit(EventKind.ACTIVITY, f"cannot reach {venue_name} ({exc}); connecting again in "
             f"{delay:.0f} s (attempt {attempt + 1})", severity=Severity.WARNING,
             data={"attempt": attempt + 1, "delay_s": round(delay, 3)})
    deadline = ctx.clock.now_ms() + delay * 1000
    while not ctx.stopping.is_set():
        remaining_s = (deadline - ctx.clock.now_ms()) / 1000
        if remaining_s <= 0:
            return True
        command = await ctx.next_command(min(remaining_s, ctx.heartbeat_interval_s))
        ctx.heartbeat()
        if isinstance(command, FlattenRequested):
            ctx.emit(EventKind.ALERT, f"flatten asked while {venue_name} cannot be reached: "
                     "nothing can be sent now; the resting stops stay; ask again once "
                     "connected", severity=Severity.WARNING)
        elif command is not None:
            ctx.activity(f"{type(command).__name__} noted while disconnected: applied when "
                         f"{venue_name} answers again")
    return False
