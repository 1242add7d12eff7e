"""Trading sessions of a live bot: when it may sleep, and the sleep itself.

The worker asks a SessionWatch at every acted-on close (as paper bots do, with the same
warm-up margin, so both sleep at the same moments). Flat everywhere (no position, no open
order, nothing in doubt) outside its sessions, the bot closes its venue and sleeps on one
apscheduler job; commands are answered meanwhile and configuration changes wait for the
wake, when the worker runs its whole start path again (warm-up from REST, restore,
reconcile, leverage, streams). A new template with other sessions wakes it at once, so
the start path decides again with the new sessions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from plutarc.daemon.bot_strategy import WARMUP_FACTOR, build_template
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.live.leg import LiveLeg
from plutarc.daemon.runtime.protocol import (
    BotCommand,
    BotContext,
    ConfigChanged,
    FlattenRequested,
    PauseChanged,
)
from plutarc.daemon.runtime.sessions import Phase, SessionChange, SessionWatch
from plutarc.strategy.sessions import describe


def warmup_ms(legs: Sequence[LiveLeg], interval_ms: int) -> int:
    """Candles wanted before a session opens: a margin over the slowest component's need."""
    need = max((leg.kernel.engine.warmup_base_bars for leg in legs), default=0)
    return WARMUP_FACTOR * need * interval_ms


def flat_everywhere(ctx: BotContext, legs: Sequence[LiveLeg]) -> bool:
    """No position, no pending intent, nothing in doubt, and no order open in the journal."""
    if not all(leg.is_flat() for leg in legs):
        return False
    return not ctx.store.orders.has_open(ctx.bot_id)


def symbol_flat(ctx: BotContext, leg: LiveLeg) -> bool:
    """One symbol flat, its orders (a protective stop included) all closed in the journal."""
    if not leg.is_flat():
        return False
    return not ctx.store.orders.has_open(ctx.bot_id, leg.symbol)


def announce(ctx: BotContext, change: SessionChange, at_ms: int, suffix: str = "") -> None:
    ctx.activity(change.message + suffix, phase=change.phase.value, at_ms=at_ms,
                 wake_ms=change.wake_ms, session_ms=change.session_ms)


def decide_at_start(ctx: BotContext, watch: SessionWatch, legs: Sequence[LiveLeg],
                    waking: str | None) -> tuple[SessionChange, int] | None:
    """Once (re)started, decide from the current time: flat outside its sessions the bot
    sleeps at once (after a daemon restart during a sleep too), and the sleep (its change
    and moment) is returned; otherwise the bot is awake and says so if it was asleep."""
    seen = [leg.last_ts + leg.interval_ms for leg in legs if leg.last_ts >= 0]
    now = max(seen) if seen else ctx.clock.now_ms()
    change = watch.update(now, flat_everywhere(ctx, legs))
    if change is not None and change.phase is Phase.SLEEPING:
        return change, now
    if change is not None:
        announce(ctx, change, now)
    if waking is not None:
        ctx.set_sleeping(False, waking)
    elif ctx.bot.state is BotState.SLEEPING:  # restored asleep, but awake now
        why = "restarted while asleep: " + (change.message if change is not None else
                                            "inside the trading session, or too close to "
                                            "it to sleep")
        ctx.activity(why, phase=watch.phase.value, at_ms=now)
        ctx.set_sleeping(False, why)
    return None


async def fall_asleep(ctx: BotContext, watch: SessionWatch, change: SessionChange, at_ms: int,
                      venue_name: str, disconnect: Callable[[], Awaitable[None]]) -> str | None:
    """Close the venue and sleep to the wake time; the wake's message, None if stopping."""
    announce(ctx, change, at_ms, f"; closing the {venue_name} connections: flat with no open "
             "order, so its dead man's switch is disarmed with nothing left to cancel")
    await disconnect()
    ctx.set_sleeping(True, change.message)
    waking = await SessionSleep(ctx, watch).until_wake()
    if waking is not None:
        ctx.activity(f"{waking}; connecting again", phase=Phase.AWAKE.value,
                     at_ms=ctx.clock.now_ms())
    return waking


class SessionSleep:
    """One sleep, from falling asleep (the venue already closed) to the wake."""

    def __init__(self, ctx: BotContext, watch: SessionWatch) -> None:
        self.ctx = ctx
        self.watch = watch
        self.early: str | None = None  # why the bot wakes before its time, if it does

    def due(self) -> bool:
        return self.early is not None or self.watch.due(self.ctx.clock.now_ms())

    async def until_wake(self) -> str | None:
        """Sleep until the watch's wake time by the daemon's clock; the wake's message, or
        None when the bot is stopping."""
        ctx = self.ctx
        while not self.due():
            wake_ms = self.watch.wake_ms if self.watch.wake_ms is not None else 0
            delay_s = max(0.0, (wake_ms - ctx.clock.now_ms()) / 1000)
            if not await ctx.wake_timer.sleep(ctx, delay_s, self.command, due=self.due):
                return None
        now = ctx.clock.now_ms()
        change = self.watch.update(now, True)
        if change is not None:
            return change.message
        self.watch.wake_ms = None
        return f"waking at {describe(now)}: {self.early}"

    def command(self, command: BotCommand) -> None:
        """Answered at once; what it changes applies when the bot wakes."""
        ctx = self.ctx
        if isinstance(command, PauseChanged):
            ctx.activity("paused while asleep: no new positions after waking, until resumed"
                         if command.paused else "resumed while asleep: trading again from "
                         "the next session", paused=command.paused)
        elif isinstance(command, FlattenRequested):
            ctx.activity("flat already: the bot sleeps with no position and no open order, "
                         f"nothing to close (asked by {command.requested_by})",
                         requested_by=command.requested_by)
        elif isinstance(command, ConfigChanged):
            new, old = command.new, command.old
            if new.symbols != old.symbols:
                ctx.activity(f"symbols now {', '.join(new.symbols)}: traded from the wake",
                             symbols=list(new.symbols))
            if new.template_toml == old.template_toml:
                return
            if build_template(new)[0].sessions != self.watch.sessions:
                self.early = (f"template {new.template!r} has other sessions; deciding again "
                              "with them")
                ctx.activity(f"template {new.template!r} has other sessions: waking now to "
                             "decide with them", template=new.template)
            else:
                ctx.activity(f"template {new.template!r} v{new.template_version} is traded "
                             "from the wake", template=new.template)
