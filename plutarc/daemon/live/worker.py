"""LiveWorker: a bot on a real venue (live or testnet), through the venue-neutral interface.

Start: connect, load instruments, warm each symbol's kernel on closed candles, rebuild the
kernel from the journal and stored fills, reconcile with the venue, set leverage, then go
online. Running: one loop takes, in arrival order, closed candles (acted on once each; a
gap is filled from REST first), fills (applied once each) and daemon commands; between them
it looks up orders in doubt and sends waiting stop amendments. Stop: the venue is closed
(the dead man's switch disarmed); resting protective stops stay on the exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

from plutarc.daemon.errors import NotFound
from plutarc.daemon.live.board import LATENCY
from plutarc.daemon.live.execution import LiveExecution
from plutarc.daemon.live.fills import FillApplier
from plutarc.daemon.live.guard import LiveGuard
from plutarc.daemon.live.kernel_state import client_prefix, restore_kernel
from plutarc.daemon.live.leg import MAX_WARMUP_BARS, CandleRow, LiveLeg, base_interval_ms
from plutarc.daemon.live.reconcile import reconcile
from plutarc.daemon.live.safety import PositionWatch, flatten_legs
from plutarc.daemon.live.steps import act_on_close, set_leverage
from plutarc.daemon.paper.legs import build_template
from plutarc.daemon.runtime.protocol import (
    BotCommand,
    BotContext,
    ConfigChanged,
    FlattenRequested,
    PauseChanged,
)
from plutarc.daemon.store import BotRecord
from plutarc.errors import ConfigError, UsageError, VenueError
from plutarc.exchanges.base import Venue
from plutarc.intervals import interval_name
from plutarc.models import Candle, Fill
from plutarc.models.events import EventKind, Severity
from plutarc.risk.dust import remember_instruments
from plutarc.risk.gate import GateLimits, RiskGate
from plutarc.strategy.kernel import SymbolKernel

log = logging.getLogger(__name__)

VenueFactory = Callable[[BotRecord], Venue]
EQUITY_REFRESH_S = 10.0


class LiveWorker:
    def __init__(self, venue_factory: VenueFactory, *, amend_interval_s: float = 1.0,
                 give_up_s: float = 30.0, position_check_s: float = 60.0) -> None:
        self.venue_factory = venue_factory
        self.watch = PositionWatch(position_check_s)
        self.amend_interval_s = amend_interval_s
        self.give_up_s = give_up_s
        self.legs: list[LiveLeg] = []
        self.venue: Venue | None = None
        self.pending_config = None
        self._events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._pumps: list[asyncio.Task[None]] = []
        self._equity: dict[str, tuple[float, float]] = {}  # currency -> (value, read at)
        self._switch_alerted = False
        self._ctx: BotContext | None = None

    # lifecycle ---------------------------------------------------------------------------
    async def run(self, ctx: BotContext) -> None:
        self._ctx = ctx
        venue = self.venue = self.venue_factory(ctx.bot)
        latency = getattr(venue, "latency", None)
        try:
            start = getattr(venue, "start", None)
            if start is not None:
                await start()
            if latency is not None:
                LATENCY.add(ctx.bot_id, latency)
            if await self._prepare(ctx, venue):
                await self._loop(ctx, venue)
            else:
                await self._stay_online(ctx)
        finally:
            for task in self._pumps:
                task.cancel()
            for task in self._pumps:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if latency is not None:
                LATENCY.remove(ctx.bot_id, latency)
            await venue.close()

    async def _prepare(self, ctx: BotContext, venue: Venue) -> bool:
        """Everything before going online; False when the bot cannot trade (it says why)."""
        template, resolved = build_template(ctx.config)
        base_ms = base_interval_ms(template, resolved)
        interval = interval_name(base_ms)
        instruments = {i.symbol: i for i in await venue.instruments()}
        remember_instruments(ctx.bot.venue, instruments.values())
        missing = [s for s in ctx.config.symbols if s not in instruments]
        if missing:
            raise ConfigError(f"{venue.name} does not list {', '.join(missing)} (symbols are "
                              f"plutarc's names, e.g. BTCUSD for XBTUSD)")
        fills = venue.stream_fills()  # subscribed before the catch-up: nothing slips between
        self._pumps.append(asyncio.create_task(self._pump_fills(fills), name="live-fills"))
        now = await venue.server_time_ms()
        gate = RiskGate(GateLimits.from_risk(ctx.config.risk))  # one per bot: all symbols
        for symbol in ctx.config.symbols:
            inst = instruments[symbol]
            kernel = SymbolKernel(template, inst, client_prefix(ctx.bot_id, symbol), base_ms,
                                  resolved)
            execution = LiveExecution(ctx, venue, kernel, LiveGuard(ctx, gate, inst),
                                      amend_interval_s=self.amend_interval_s,
                                      give_up_s=self.give_up_s)
            leg = LiveLeg(symbol, inst, kernel, execution, FillApplier(ctx, kernel, execution),
                          base_ms)
            bars = min(MAX_WARMUP_BARS, kernel.engine.warmup_base_bars + 10)
            end = now - now % base_ms
            try:
                history = await venue.candles(symbol, interval, end - bars * base_ms, end)
            except UsageError as exc:
                ctx.activity(f"cannot trade: {venue.name} cannot serve the {interval} candles "
                             f"this template needs ({exc}); the bot stays online and idle",
                             interval=interval, symbol=symbol)
                return False
            leg.warm(history)
            restored = restore_kernel(kernel, ctx.store, ctx.bot_id, symbol)
            if restored.fills or restored.open_orders:
                ctx.activity(f"{symbol}: rebuilt from {restored.fills} stored fills and "
                             f"{restored.open_orders} open orders", symbol=symbol)
            self.legs.append(leg)
            await set_leverage(ctx, venue, symbol, Decimal(str(template.leverage)))
        self._report_switch(ctx, venue)
        counts = await reconcile(ctx, venue, self.legs)
        ctx.activity(f"connected to {venue.name} ({ctx.bot.mode}); warmed on closed {interval} "
                     f"candles; reconciled: {counts}", **counts)
        for leg in self.legs:
            await self._guard_stop(ctx, venue, leg)
        for leg in self.legs:
            source = venue.stream_candles(leg.symbol, interval)
            self._pumps.append(asyncio.create_task(self._pump_candles(leg, source),
                                                   name=f"live-candles-{leg.symbol}"))
        await self._candles_since_warmup(venue, interval)
        ctx.heartbeat()
        ctx.mark_ready()
        return True

    async def _candles_since_warmup(self, venue: Venue, interval: str) -> None:
        """A candle that closed between the warm-up read and the stream's subscription
        would otherwise wait for the next close (a whole bar late): once the stream is
        live, read what closed meanwhile; the loop acts on each candle once."""
        await asyncio.sleep(0)  # the pumps subscribe
        wait_live = getattr(venue, "wait_streams_live", None)
        if wait_live is not None:
            with contextlib.suppress(Exception):
                await wait_live(10.0)
        now = await venue.server_time_ms()
        for leg in self.legs:
            start = leg.last_ts + leg.interval_ms
            end = now - now % leg.interval_ms
            if leg.last_ts < 0 or end <= start:
                continue
            for candle in await venue.candles(leg.symbol, interval, start, end):
                self._events.put_nowait(("candle", (leg, candle)))

    # the loop ----------------------------------------------------------------------------
    async def _loop(self, ctx: BotContext, venue: Venue) -> None:
        while not ctx.stopping.is_set():
            ctx.heartbeat()
            while not ctx.commands.empty():
                await self._command(ctx, ctx.commands.get_nowait())
            try:
                kind, item = await asyncio.wait_for(self._events.get(),
                                                    timeout=ctx.heartbeat_interval_s)
            except TimeoutError:
                kind, item = "tick", None
            if kind == "candle":
                leg, candle = item
                await self._on_candle(ctx, venue, leg, candle)
            elif kind == "fill":
                await self._on_fill(item)
            elif kind == "error":
                raise item
            self._watch_switch(ctx, venue)
            for leg in self.legs:
                if leg.execution.in_doubt:
                    await leg.execution.resolve_in_doubt()
                await leg.execution.flush_amends()
            why = self.watch.due(venue)
            if why is not None:
                await self.watch.check(ctx, venue, self.legs, why)

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
        if candle.ts_ms <= leg.last_ts:
            return  # seen already (a replayed bin after a reconnect)
        batch = [candle]
        if leg.last_ts >= 0 and candle.ts_ms > leg.last_ts + leg.interval_ms:
            missed = await venue.candles(leg.symbol, interval_name(leg.interval_ms),
                                         leg.last_ts + leg.interval_ms, candle.ts_ms)
            batch = [c for c in missed if c.ts_ms > leg.last_ts] + batch
        for closed in batch:
            equity = await self._equity_of(venue, leg.instrument.settle)
            await act_on_close(ctx, leg, closed, equity)
        if self.pending_config is not None and all(g.is_flat() for g in self.legs):
            self._swap(ctx, self.pending_config)

    async def _on_fill(self, fill: Fill) -> None:
        for leg in self.legs:
            if leg.symbol == fill.symbol:
                intents = leg.fills.apply(fill)
                if intents:
                    await leg.execution.apply(intents)
                if intents is not None:
                    self._equity.clear()  # balances moved: read them again
                    if self.venue is not None and self._ctx is not None:
                        await self._guard_stop(self._ctx, self.venue, leg)
                return

    async def _guard_stop(self, ctx: BotContext, venue: Venue, leg: LiveLeg) -> None:
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

    async def _equity_of(self, venue: Venue, currency: str) -> float:
        cached = self._equity.get(currency)
        if cached is not None and time.monotonic() - cached[1] < EQUITY_REFRESH_S:
            return cached[0]
        try:
            balances = {b.currency: b for b in await venue.balances()}
        except VenueError as exc:
            log.warning("balances unavailable: %s", exc)
            return cached[0] if cached else 0.0
        found = balances.get(currency)
        value = float(found.total) if found is not None else 0.0
        self._equity[currency] = (value, time.monotonic())
        return value

    # the dead man's switch (venues that have one keep it armed themselves) -------------
    def _report_switch(self, ctx: BotContext, venue: Venue) -> None:
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

    def _watch_switch(self, ctx: BotContext, venue: Venue) -> None:
        switch = getattr(venue, "dead_mans_switch", None)
        failing = switch is not None and switch.last_error is not None
        if failing and not self._switch_alerted:
            ctx.emit(EventKind.ALERT, f"{venue.name} dead man's switch not re-armed: "
                     f"{switch.last_error}", severity=Severity.WARNING)
        elif not failing and self._switch_alerted:
            ctx.activity(f"{venue.name} dead man's switch re-armed")
        self._switch_alerted = failing

    # commands ----------------------------------------------------------------------------
    async def _command(self, ctx: BotContext, command: BotCommand) -> None:
        if isinstance(command, PauseChanged):
            ctx.activity("paused: no new positions, exits and stops still managed"
                         if command.paused else "resumed: trading again", paused=command.paused)
        elif isinstance(command, FlattenRequested):
            ctx.activity(f"flattening every position (asked by {command.requested_by}): "
                         "cancelling every open order, closing with reduce-only market orders")
            await flatten_legs(ctx, self.legs, "flatten requested")
        elif isinstance(command, ConfigChanged):
            if command.new.symbols != command.old.symbols:
                ctx.activity("symbol changes take effect when the bot is restarted",
                             symbols=list(command.new.symbols))
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
        if base_interval_ms(template, resolved) != self.legs[0].interval_ms:
            self.pending_config = None
            ctx.activity(f"template {config.template!r} needs other candles: restart the bot "
                         "to switch to it", template=config.template)
            return
        for leg in self.legs:
            kernel = SymbolKernel(template, leg.instrument, client_prefix(ctx.bot_id, leg.symbol),
                                  leg.interval_ms, resolved, first_seq=leg.kernel.policy.seq)
            recent = list(leg.recent)
            leg.kernel = leg.execution.kernel = leg.fills.kernel = kernel
            leg.last_ts = -1
            leg.recent.clear()
            leg.warm(recent)
        self.pending_config = None
        ctx.activity(f"now trading template {config.template!r} v{config.template_version}",
                     template=config.template)

    # for the API -------------------------------------------------------------------------
    def recent_candles(self, symbol: str, limit: int) -> list[CandleRow]:
        for leg in self.legs:
            if leg.symbol == symbol:
                return leg.recent_rows(limit)
        known = ", ".join(leg.symbol for leg in self.legs)
        raise NotFound(f"this bot does not trade {symbol!r} (it trades {known})")

