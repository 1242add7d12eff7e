"""LiveWorker: a bot on a real venue (live or testnet), through the venue-neutral interface.

Start: connect, load instruments, warm each symbol's kernel on closed candles, rebuild the
kernel from the journal and stored fills, reconcile with the venue, set leverage, then go
online. Running: one loop takes, in arrival order, closed candles (acted on once each; a
gap is filled from REST first), fills (applied once each) and daemon commands; between them
it looks up orders in doubt and sends waiting stop amendments. Sessions: flat outside its
trading sessions the bot closes the venue and sleeps (live/sleep.py), and runs the whole
start again on waking. Symbols can change while it runs (live/symbols.py). Stop: the venue
is closed (the dead man's switch disarmed); resting protective stops stay on the exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal
from typing import Any

from plutarc.daemon import order_cancel
from plutarc.daemon.bot_strategy import build_template
from plutarc.daemon.errors import NotFound
from plutarc.daemon.live.board import LATENCY
from plutarc.daemon.live.equity import EquityCache, EquitySnapshots
from plutarc.daemon.live.execution import LiveExecution
from plutarc.daemon.live.fills import FillApplier
from plutarc.daemon.live.guard import LiveGuard
from plutarc.daemon.live.kernel_state import client_prefix, restore_kernel
from plutarc.daemon.live.leg import MAX_WARMUP_BARS, CandleRow, LiveLeg, base_interval_ms
from plutarc.daemon.live.probe import live_account_view, live_venue_view
from plutarc.daemon.live.reconcile import apply_follow_ups, reconcile
from plutarc.daemon.live.reconnect import is_outage, wait_to_reconnect
from plutarc.daemon.live.safety import PositionWatch, flatten_legs
from plutarc.daemon.live.sleep import (
    announce,
    decide_at_start,
    fall_asleep,
    flat_everywhere,
    warmup_ms,
)
from plutarc.daemon.live.steps import act_on_close, set_leverage
from plutarc.daemon.live.switch import SwitchWatch, guard_stop, report_switch
from plutarc.daemon.live.symbols import change_symbols, drop_retired
from plutarc.daemon.live.venue_alerts import pump_venue_alerts
from plutarc.daemon.ops.dust import remember_instruments
from plutarc.daemon.runtime.protocol import (
    AccountView,
    BotCommand,
    BotContext,
    CancelRequested,
    ConfigChanged,
    FlattenRequested,
    PauseChanged,
    VenueView,
)
from plutarc.daemon.runtime.sessions import WAKE_LEAD_MS, Phase, SessionChange, SessionWatch
from plutarc.daemon.store import BotRecord
from plutarc.errors import ConfigError, UsageError
from plutarc.exchanges.base import Venue
from plutarc.intervals import interval_name
from plutarc.models import Candle, Fill, Instrument
from plutarc.models.events import EventKind, Severity
from plutarc.risk.gate import GateLimits, RiskGate
from plutarc.strategy.kernel import SymbolKernel

log = logging.getLogger(__name__)

VenueFactory = Callable[[BotRecord], Venue]


class LiveWorker:
    def __init__(self, venue_factory: VenueFactory, *, amend_interval_s: float = 1.0,
                 give_up_s: float = 30.0, position_check_s: float = 60.0,
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
        self._template: tuple[Any, Any] | None = None  # (template, resolved components)
        self._gate: RiskGate | None = None
        self._events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._pumps: list[asyncio.Task[None]] = []
        self._streams: dict[str, asyncio.Task[None]] = {}  # symbol -> its candle pump
        self._equity = EquityCache()
        self._switch = SwitchWatch()
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
        self._events = asyncio.Queue()  # nothing from an earlier connection is acted on
        self.watch = PositionWatch(self.position_check_s)
        venue = self.venue = self.venue_factory(ctx.bot)
        start = getattr(venue, "start", None)
        if start is not None:
            await start()
        self._latency = getattr(venue, "latency", None)
        if self._latency is not None:
            LATENCY.add(ctx.bot_id, self._latency)
        return venue

    async def _disconnect(self) -> None:
        tasks = [*self._pumps, *self._streams.values()]
        self._pumps, self._streams = [], {}
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._latency is not None and self._ctx is not None:
            LATENCY.remove(self._ctx.bot_id, self._latency)
        self._latency = None
        venue, self.venue = self.venue, None
        self._equity.forget()
        if venue is not None:
            await venue.close()

    async def _prepare(self, ctx: BotContext, venue: Venue, *, waking: bool = False) -> bool:
        """Everything before going online; False when the bot cannot trade (it says why)."""
        self.legs, self.pending_config = [], None
        template, resolved = self._template = build_template(ctx.config)
        self.base_ms = base_interval_ms(template, resolved)
        interval = interval_name(self.base_ms)
        instruments = {i.symbol: i for i in await venue.instruments()}
        remember_instruments(ctx.bot.venue, instruments.values())
        symbols = self._symbols(ctx)
        missing = [s for s in symbols if s not in instruments]
        if missing and not waking:
            raise ConfigError(f"{venue.name} does not list {', '.join(missing)} (symbols are "
                              f"plutarc's names, e.g. BTCUSD for XBTUSD)")
        if missing:  # added while asleep: the bot wakes without them rather than failing
            ctx.emit(EventKind.ACTIVITY, f"{venue.name} does not list {', '.join(missing)}: "
                     "trading on without them", severity=Severity.WARNING,
                     data={"symbols": missing})
            symbols = [s for s in symbols if s not in missing]
        fills = venue.stream_fills()  # subscribed before the catch-up: nothing slips between
        self._pumps.append(asyncio.create_task(self._pump_fills(fills), name="live-fills"))
        alerts = pump_venue_alerts(ctx, venue)  # unreadable rows of our own orders
        if alerts is not None:
            self._pumps.append(alerts)
        now = await venue.server_time_ms()
        self._gate = RiskGate(GateLimits.from_risk(ctx.config.risk))  # one per bot: all symbols
        for symbol in symbols:
            try:
                leg = await self.open_leg(ctx, venue, instruments[symbol], now)
            except UsageError as exc:
                ctx.activity(f"cannot trade: {venue.name} cannot serve the {interval} candles "
                             f"this template needs ({exc}); the bot stays online and idle",
                             interval=interval, symbol=symbol)
                return False
            if symbol not in ctx.config.symbols:
                leg.retiring = True
                ctx.activity(f"{symbol} is no longer in the bot's symbols but holds a "
                             "position: managed until flat, no new entries", symbol=symbol)
            self.legs.append(leg)
            await self.set_leverage(ctx, venue, symbol)
        report_switch(ctx, venue)
        counts = await reconcile(ctx, venue, self.legs)
        ctx.activity(f"connected to {venue.name} ({ctx.bot.mode}); warmed on closed {interval} "
                     f"candles; reconciled: {counts}", **counts)
        for leg in self.legs:
            await guard_stop(ctx, venue, leg)
        for leg in self.legs:
            self.start_stream(leg)
        await self.candles_since_warmup(venue, self.legs)
        self.session = SessionWatch(template.sessions, warmup_ms(self.legs, self.base_ms),
                                    self.wake_lead_ms)
        ctx.heartbeat()
        ctx.mark_ready()
        return True

    def _symbols(self, ctx: BotContext) -> list[str]:
        """The bot's symbols, plus removed ones whose position is still open (a restart
        while a removed symbol was being managed until flat)."""
        symbols = list(ctx.config.symbols)
        for position in ctx.store.positions.query(bot_id=ctx.bot_id):
            if position.symbol not in symbols and position.qty != 0:
                symbols.append(position.symbol)
        return symbols

    async def open_leg(self, ctx: BotContext, venue: Venue, inst: Instrument,
                       now_ms: int) -> LiveLeg:
        """A symbol's kernel warmed on closed candles from REST and restored from the store;
        UsageError when the venue cannot serve those candles."""
        assert self._template is not None and self._gate is not None
        template, resolved = self._template
        kernel = SymbolKernel(template, inst, client_prefix(ctx.bot_id, inst.symbol),
                              self.base_ms, resolved)
        execution = LiveExecution(ctx, venue, kernel, LiveGuard(ctx, self._gate, inst),
                                  amend_interval_s=self.amend_interval_s,
                                  give_up_s=self.give_up_s)
        leg = LiveLeg(inst.symbol, inst, kernel, execution, FillApplier(ctx, kernel, execution),
                      self.base_ms)
        bars = min(MAX_WARMUP_BARS, kernel.engine.warmup_base_bars + 10)
        end = now_ms - now_ms % self.base_ms
        leg.warm(await venue.candles(inst.symbol, interval_name(self.base_ms),
                                     end - bars * self.base_ms, end))
        restored = restore_kernel(kernel, ctx.store, ctx.bot_id, inst.symbol)
        if restored.fills or restored.open_orders:
            ctx.activity(f"{inst.symbol}: rebuilt from {restored.fills} stored fills and "
                         f"{restored.open_orders} open orders", symbol=inst.symbol)
        return leg

    async def set_leverage(self, ctx: BotContext, venue: Venue, symbol: str) -> None:
        assert self._template is not None
        await set_leverage(ctx, venue, symbol, Decimal(str(self._template[0].leverage)))

    def start_stream(self, leg: LiveLeg) -> None:
        assert self.venue is not None
        source = self.venue.stream_candles(leg.symbol, interval_name(leg.interval_ms))
        self._streams[leg.symbol] = asyncio.create_task(self._pump_candles(leg, source),
                                                        name=f"live-candles-{leg.symbol}")

    async def close_stream(self, leg: LiveLeg) -> None:
        task = self._streams.pop(leg.symbol, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def candles_since_warmup(self, venue: Venue, legs: Sequence[LiveLeg]) -> None:
        """A candle that closed between the warm-up read and the stream's subscription
        would otherwise wait for the next close (a whole bar late): once the stream is
        live, read what closed meanwhile; the loop acts on each candle once."""
        await asyncio.sleep(0)  # the pumps subscribe
        wait_live = getattr(venue, "wait_streams_live", None)
        if wait_live is not None:
            with contextlib.suppress(Exception):
                await wait_live(10.0)
        now = await venue.server_time_ms()
        for leg in legs:
            start = leg.last_ts + leg.interval_ms
            end = now - now % leg.interval_ms
            if leg.last_ts < 0 or end <= start:
                continue
            for candle in await venue.candles(leg.symbol, interval_name(leg.interval_ms),
                                              start, end):
                self._events.put_nowait(("candle", (leg, candle)))

    # the loop ----------------------------------------------------------------------------
    async def _loop(self, ctx: BotContext, venue: Venue) -> tuple[SessionChange, int] | None:
        """Trade until stopping (None) or until the session watch says sleep (its change)."""
        snapshots = EquitySnapshots(ctx.equity_snapshot_s)
        while not ctx.stopping.is_set():
            ctx.heartbeat()
            kind, item = await self._next_event(ctx)
            if kind == "candle":
                leg, candle = item
                await self._on_candle(ctx, venue, leg, candle)
            elif kind == "fill":
                await self._on_fill(item)
            elif kind == "error":
                raise item
            if self._asleep is not None:
                asleep, self._asleep = self._asleep, None
                return asleep
            self._switch.check(ctx, venue)
            for leg in self.legs:
                if leg.execution.in_doubt:
                    await leg.execution.resolve_in_doubt()
                await leg.execution.flush_amends()
            why = self.watch.due(venue)
            if why is not None:
                await self.watch.check(ctx, venue, self.legs, why)
            await snapshots.maybe_record(ctx, venue, self.legs)
        return None

    async def _next_event(self, ctx: BotContext) -> tuple[str, Any]:
        """The next candle, fill or error, answering commands the moment they arrive (a
        template, risk or symbol change must not wait for the next candle); a "tick" after
        a heartbeat interval without any."""
        while True:
            while not ctx.commands.empty():
                await self._command(ctx, ctx.commands.get_nowait())
            if not self._events.empty():
                return self._events.get_nowait()
            if ctx.stopping.is_set():
                return "tick", None
            event = asyncio.ensure_future(self._events.get())
            command = asyncio.ensure_future(ctx.commands.get())
            stop = asyncio.ensure_future(ctx.stopping.wait())
            try:
                await asyncio.wait({event, command, stop}, timeout=ctx.heartbeat_interval_s,
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in (event, command, stop):
                    if not waiter.done():  # an unfinished get takes nothing off its queue
                        waiter.cancel()
            if command.done() and not command.cancelled():
                await self._command(ctx, command.result())
            if event.done() and not event.cancelled():
                return event.result()
            if not command.done() or command.cancelled():
                return "tick", None

    async def _stay_online(self, ctx: BotContext) -> None:
        ctx.mark_ready()
        while not ctx.stopping.is_set():
            ctx.heartbeat()
            command = await ctx.next_command(ctx.heartbeat_interval_s)
            if command is not None:
                ctx.activity("not trading (see above): command noted, nothing to do",
                             command=type(command).__name__)

    async def _pump_candles(self, leg: LiveLeg, source: AsyncIterator[Candle]) -> None:
        try:
            async for candle in source:
                self._events.put_nowait(("candle", (leg, candle)))
        except Exception as exc:  # delivered to the loop, which fails the bot with it
            self._events.put_nowait(("error", exc))

    async def _pump_fills(self, source: AsyncIterator[Fill]) -> None:
        try:
            async for fill in source:
                self._events.put_nowait(("fill", fill))
        except Exception as exc:
            self._events.put_nowait(("error", exc))

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
        for closed in batch:
            equity = await self._equity.read(venue, leg.instrument.settle)
            await act_on_close(ctx, leg, closed, equity)
        if self.pending_config is not None and all(g.is_flat() for g in self.legs):
            self._swap(ctx, self.pending_config)
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
        if isinstance(command, PauseChanged):
            ctx.activity("paused: no new positions, exits and stops still managed"
                         if command.paused else "resumed: trading again", paused=command.paused)
        elif isinstance(command, FlattenRequested):
            ctx.activity(f"flattening every position (asked by {command.requested_by}): "
                         "cancelling every open order, closing with reduce-only market orders")
            await flatten_legs(ctx, self.legs, "flatten requested")
        elif isinstance(command, CancelRequested):
            await order_cancel.in_live(ctx, self.legs, command)
        elif isinstance(command, ConfigChanged):
            if command.new.symbols != command.old.symbols:
                await change_symbols(self, ctx, command.new.symbols)
            if command.new.template_toml == command.old.template_toml:
                return
            if all(leg.is_flat() for leg in self.legs):
                self._swap(ctx, command.new)
            else:
                self.pending_config = command.new
                ctx.activity(f"template {command.new.template!r} waits until the bot is flat",
                             template=command.new.template)

    def _swap(self, ctx: BotContext, config) -> None:  # noqa: ANN001 - BotConfig
        template, resolved = build_template(config)
        if base_interval_ms(template, resolved) != self.base_ms:
            self.pending_config = None
            ctx.activity(f"template {config.template!r} needs other candles: restart the bot "
                         "to switch to it", template=config.template)
            return
        self._template = (template, resolved)
        for leg in self.legs:
            kernel = SymbolKernel(template, leg.instrument, client_prefix(ctx.bot_id, leg.symbol),
                                  leg.interval_ms, resolved, first_seq=leg.kernel.policy.seq)
            recent = list(leg.recent)
            leg.kernel = leg.execution.kernel = leg.fills.kernel = kernel
            leg.last_ts = -1
            leg.recent.clear()
            leg.warm(recent)
        self.pending_config = None
        # The new template may bring other sessions or a longer warm-up.
        self.session = SessionWatch(template.sessions, warmup_ms(self.legs, self.base_ms),
                                    self.wake_lead_ms)
        ctx.activity(f"now trading template {config.template!r} v{config.template_version}",
                     template=config.template)

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
