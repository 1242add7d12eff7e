"""LiveWorker: a bot on a real venue (live or testnet), through the venue-neutral interface.

Start: connect, load instruments, warm each symbol's kernel on closed candles, rebuild the
kernel from the journal and stored fills, reconcile with the venue, set leverage, then go
online. Running: one loop takes, in arrival order, closed candles (acted on once each; a
gap is filled from REST first), fills (applied once each) and daemon commands; between them
it looks up orders in doubt and sends waiting stop amendments. Sessions: flat outside its
trading sessions the bot closes the venue and sleeps (live/sleep.py), and runs the whole
start again on waking. Symbols can change while it runs (live/symbols.py). Stop: the venue
is closed (the dead man's switch disarmed); resting protective stops stay on the exchange.

The start is live/start.py, the queue the loop takes events from live/inbox.py, and the
answers to daemon commands live/commands.py; this module is the lifecycle and the loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from plutarc.daemon.errors import NotFound
from plutarc.daemon.live import commands, start
from plutarc.daemon.live.board import LATENCY
from plutarc.daemon.live.equity import EquityCache, EquitySnapshots
from plutarc.daemon.live.inbox import Event, Inbox
from plutarc.daemon.live.leg import CandleRow, LiveLeg
from plutarc.daemon.live.margin import apply_margin_mode
from plutarc.daemon.live.probe import live_account_view, live_venue_view
from plutarc.daemon.live.reconcile import apply_follow_ups
from plutarc.daemon.live.reconnect import is_outage, wait_to_reconnect
from plutarc.daemon.live.safety import RECONCILE_EVERY_S, PositionWatch
from plutarc.daemon.live.sleep import announce, decide_at_start, fall_asleep, flat_everywhere
from plutarc.daemon.live.steps import act_on_close, set_leverage
from plutarc.daemon.live.stream_watch import StreamWatch
from plutarc.daemon.live.switch import SwitchWatch, guard_stop
from plutarc.daemon.live.symbols import drop_retired
from plutarc.daemon.runtime.protocol import AccountView, BotCommand, BotContext, VenueView
from plutarc.daemon.runtime.sessions import WAKE_LEAD_MS, Phase, SessionChange, SessionWatch
from plutarc.daemon.store import BotRecord
from plutarc.exchanges.base import Venue
from plutarc.intervals import interval_name
from plutarc.models import Candle, Fill, Instrument
from plutarc.risk.gate import RiskGate
from plutarc.storage.sqlite import is_disk_full
from plutarc.strategy.template import Template
from plutarc.strategy.template_validation import ResolvedComponent

log = logging.getLogger(__name__)

VenueFactory = Callable[[BotRecord], Venue]


class LiveWorker:
    def __init__(self, venue_factory: VenueFactory, *, amend_interval_s: float = 1.0,
                 give_up_s: float = 30.0, position_check_s: float = RECONCILE_EVERY_S,
                 wake_lead_ms: int = WAKE_LEAD_MS) -> None:
        self.venue_factory = venue_factory
        self.position_check_s = position_check_s
        self.watch = PositionWatch(position_check_s)
        self.amend_interval_s = amend_interval_s
        self.give_up_s = give_up_s
        self.wake_lead_ms = wake_lead_ms
        self.legs: list[LiveLeg] = []
        self.venue: Venue | None = None
        self.pending_config = None
        self.session: SessionWatch | None = None
        self.base_ms = 0
        self.template: tuple[Template, list[ResolvedComponent]] | None = None
        self.gate: RiskGate | None = None
        self.inbox = Inbox()
        self._equity = EquityCache()
        self._switch = SwitchWatch()
        self._streams = StreamWatch()
        self._latency: Any = None
        self._asleep: tuple[SessionChange, int] | None = None  # a sleep decided at a close
        self._ctx: BotContext | None = None

    # lifecycle ---------------------------------------------------------------------------
    async def run(self, ctx: BotContext) -> None:
        self._ctx = ctx
        waking: str | None = None
        attempt = 0  # connection attempts since the venue last answered
        try:
            while not ctx.stopping.is_set():
                try:
                    venue = await self._connect(ctx)
                    if not await self._prepare(ctx, venue, waking=waking is not None):
                        await self._stay_online(ctx)
                        return
                    if attempt:
                        ctx.activity(f"connected to {venue.name} again after {attempt} "
                                     "failed attempts", attempts=attempt)
                        attempt = 0
                    assert self.session is not None
                    sleep = decide_at_start(ctx, self.session, self.legs, waking)
                    if sleep is None:
                        sleep = await self._loop(ctx, venue)
                except Exception as exc:
                    if not is_outage(exc):
                        raise
                    name = self.venue.name if self.venue is not None else ctx.bot.venue
                    await self._disconnect()
                    if not await wait_to_reconnect(ctx, exc, attempt, name):
                        return
                    attempt += 1
                    continue
                if sleep is None:
                    return
                waking = await fall_asleep(ctx, self.session, *sleep, venue.name,
                                           self._disconnect)
                if waking is None:
                    return
        finally:
            await self._disconnect()

    async def _connect(self, ctx: BotContext) -> Venue:
        self.inbox = Inbox()  # nothing from an earlier connection is acted on
        self.watch = PositionWatch(self.position_check_s)
        self._streams = StreamWatch()  # a new venue object counts its sockets from zero
        venue = self.venue = self.venue_factory(ctx.bot)
        start = getattr(venue, "start", None)
        if start is not None:
            await start()
        self._latency = getattr(venue, "latency", None)
        if self._latency is not None:
            LATENCY.add(ctx.bot_id, self._latency)
        return venue

    async def _disconnect(self) -> None:
        await self.inbox.close()
        if self._latency is not None and self._ctx is not None:
            LATENCY.remove(self._ctx.bot_id, self._latency)
        self._latency = None
        venue, self.venue = self.venue, None
        self._equity.forget()
        if venue is not None:
            await venue.close()

    async def _prepare(self, ctx: BotContext, venue: Venue, *, waking: bool = False) -> bool:
        return await start.prepare(self, ctx, venue, waking=waking)

    async def open_leg(self, ctx: BotContext, venue: Venue, inst: Instrument,
                       now_ms: int) -> LiveLeg:
        return await start.open_leg(self, ctx, venue, inst, now_ms)

    async def set_leverage(self, ctx: BotContext, venue: Venue, symbol: str) -> None:
        """The template's leverage, then the bot's margin mode (while the symbol is flat)."""
        assert self.template is not None
        await set_leverage(ctx, venue, symbol, Decimal(str(self.template[0].leverage)))
        leg = next((g for g in self.legs if g.symbol == symbol), None)
        await apply_margin_mode(ctx, venue, symbol, leg is None or leg.is_flat())

    def start_stream(self, leg: LiveLeg) -> None:
        assert self.venue is not None
        self.inbox.pump_candles(leg, self.venue.stream_candles(leg.symbol,
                                                               interval_name(leg.interval_ms)))

    async def close_stream(self, leg: LiveLeg) -> None:
        await self.inbox.close_stream(leg.symbol)

    async def candles_since_warmup(self, venue: Venue, legs: Sequence[LiveLeg]) -> None:
        await start.candles_since_warmup(self.inbox, venue, legs)

    # the loop ----------------------------------------------------------------------------
    async def _loop(self, ctx: BotContext, venue: Venue) -> tuple[SessionChange, int] | None:
        """Trade until stopping (None) or until the session watch says sleep (its change)."""
        snapshots = EquitySnapshots(ctx.equity_snapshot_s)
        while not ctx.stopping.is_set():
            ctx.heartbeat()
            ctx.backlog.flush()  # what a full disk held back, as soon as it has room
            kind = "command"
            try:
                kind, item = await self._next_event(ctx)
                if kind == "error":
                    raise item
                if kind == "candle":
                    leg, candle = item
                    await self._on_candle(ctx, venue, leg, candle)
                elif kind == "fill":
                    await self._on_fill(item)
                if self._asleep is not None:
                    asleep, self._asleep = self._asleep, None
                    return asleep
                await self._between_events(ctx, venue, snapshots)
            except Exception as exc:  # a full disk never stops a bot that holds a position
                if not is_disk_full(exc):
                    raise
                ctx.backlog.refused(f"the bot's bookkeeping after a {kind}", exc)
        return None

    async def _between_events(self, ctx: BotContext, venue: Venue,
                              snapshots: EquitySnapshots) -> None:
        self._switch.check(ctx, venue)
        self._streams.check(ctx, venue)
        for leg in self.legs:
            if leg.execution.in_doubt:
                await leg.execution.resolve_in_doubt()
            await leg.execution.flush_amends()
        why = self.watch.due(venue)
        if why is not None:
            await self.watch.check(ctx, venue, self.legs, why)
        if not ctx.backlog.holding:  # equity points wait for the disk (not held)
            await snapshots.maybe_record(ctx, venue, self.legs)

    async def _next_event(self, ctx: BotContext) -> Event:
        return await self.inbox.next(ctx, self._command)

    async def _stay_online(self, ctx: BotContext) -> None:
        ctx.mark_ready()
        while not ctx.stopping.is_set():
            ctx.heartbeat()
            command = await ctx.next_command(ctx.heartbeat_interval_s)
            if command is not None:
                ctx.activity("not trading (see above): command noted, nothing to do",
                             command=type(command).__name__)

    # candles and fills -------------------------------------------------------------------
    async def _on_candle(self, ctx: BotContext, venue: Venue, leg: LiveLeg,
                         candle: Candle) -> None:
        try:
            await self._act_on_candle(ctx, venue, leg, candle)
        finally:
            await self.after_close(leg, candle)

    async def after_close(self, leg: LiveLeg, candle: Candle) -> None:
        """Called once the bot is done with a streamed candle (acted on or skipped as seen);
        a paper venue waits for it before matching the next one."""

    async def _act_on_candle(self, ctx: BotContext, venue: Venue, leg: LiveLeg,
                             candle: Candle) -> None:
        if candle.ts_ms <= leg.last_ts or all(g is not leg for g in self.legs):
            return  # seen already (a replayed bin after a reconnect), or a dropped symbol
        batch = [candle]
        if leg.last_ts >= 0 and candle.ts_ms > leg.last_ts + leg.interval_ms:
            missed = await venue.candles(leg.symbol, interval_name(leg.interval_ms),
                                         leg.last_ts + leg.interval_ms, candle.ts_ms)
            batch = [c for c in missed if c.ts_ms > leg.last_ts] + batch
        # funding, OI and spread as of the newest close (older closes of a catch-up batch
        # see only what is stamped before them)
        await leg.context_feed().update(venue, leg.symbol, batch[-1].close_ts_ms)
        for closed in batch:
            equity = await self._equity.read(venue, leg.instrument.settle)
            await act_on_close(ctx, leg, closed, equity)
        if self.pending_config is not None and all(g.is_flat() for g in self.legs):
            commands.swap_template(self, ctx, self.pending_config)
        if any(g.retiring for g in self.legs):
            await drop_retired(self, ctx)
        if self.session is None:
            return
        close_ms = batch[-1].close_ts_ms
        change = self.session.update(close_ms, flat_everywhere(ctx, self.legs))
        if change is not None and change.phase is Phase.SLEEPING:
            self._asleep = (change, close_ms)
        elif change is not None:
            announce(ctx, change, close_ms)

    async def _on_fill(self, fill: Fill) -> None:
        for leg in self.legs:
            if leg.symbol == fill.symbol:
                intents = leg.fills.apply(fill)
                if intents is not None:
                    await apply_follow_ups(leg, intents)
                    self._equity.forget()  # balances moved: read them again
                    if self.venue is not None and self._ctx is not None:
                        await guard_stop(self._ctx, self.venue, leg)
                return

    # commands ----------------------------------------------------------------------------
    async def _command(self, ctx: BotContext, command: BotCommand) -> None:
        await commands.answer(self, ctx, command)

    # for the API -------------------------------------------------------------------------
    async def venue_view(self) -> VenueView | None:
        """Asked of the venue now; None while not connected (asleep, reconnecting)."""
        if self.venue is None or self._ctx is None:
            return None
        return await live_venue_view(self._ctx.bot_id, self.venue, self.legs)

    async def account_view(self) -> AccountView | None:
        if self.venue is None or not self.legs:
            return None
        return await live_account_view(self.venue, self.legs)

    def recent_candles(self, symbol: str, limit: int) -> list[CandleRow]:
        for leg in self.legs:
            if leg.symbol == symbol:
                return leg.recent_rows(limit)
        known = ", ".join(leg.symbol for leg in self.legs)
        raise NotFound(f"this bot does not trade {symbol!r} (it trades {known})")
