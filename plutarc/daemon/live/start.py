"""The start of a live bot, run at each (re)connection and at each session wake.

Instruments are loaded; the fill stream is subscribed before anything is read, so no fill
slips between the catch-up and the stream; each symbol's kernel is warmed on closed candles
from REST and rebuilt from the store; the venue is reconciled with the journal; leverage
is set and protective stops checked; then the candle streams start, and what closed
between the warm-up read and the subscription is read once more.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from plutarc.daemon.bot_strategy import build_template
from plutarc.daemon.live.execution import LiveExecution
from plutarc.daemon.live.fills import FillApplier
from plutarc.daemon.live.guard import LiveGuard
from plutarc.daemon.live.inbox import Inbox
from plutarc.daemon.live.kernel_state import client_prefix, restore_kernel
from plutarc.daemon.live.leg import MAX_WARMUP_BARS, LiveLeg, base_interval_ms
from plutarc.daemon.live.lost_orders import adopt_lost_orders
from plutarc.daemon.live.reconcile import reconcile
from plutarc.daemon.live.sleep import warmup_ms
from plutarc.daemon.live.switch import guard_stop, report_switch
from plutarc.daemon.live.venue_alerts import pump_venue_alerts
from plutarc.daemon.ops.dust import remember_instruments
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.daemon.runtime.sessions import SessionWatch
from plutarc.errors import ConfigError, UsageError
from plutarc.exchanges.base import Venue
from plutarc.intervals import interval_name
from plutarc.models import Instrument
from plutarc.models.events import EventKind, Severity
from plutarc.risk.gate import GateLimits, RiskGate
from plutarc.strategy.kernel import SymbolKernel

if TYPE_CHECKING:
    from plutarc.daemon.live.worker import LiveWorker

async def prepare(worker: LiveWorker, ctx: BotContext, venue: Venue, *,
                  waking: bool = False) -> bool:
    """Everything before going online; False when the bot cannot trade (it says why)."""
    worker.legs, worker.pending_config = [], None
    template, resolved = worker.template = build_template(ctx.config)
    worker.base_ms = base_interval_ms(template, resolved)
    interval = interval_name(worker.base_ms)
    instruments = {i.symbol: i for i in await venue.instruments()}
    remember_instruments(ctx.bot.venue, instruments.values())
    symbols = traded_symbols(ctx)
    missing = [s for s in symbols if s not in instruments]
    if missing and not waking:
        raise ConfigError(f"{venue.name} does not list {', '.join(missing)} (symbols are "
                          f"plutarc's names, e.g. BTCUSD for XBTUSD)")
    if missing:  # added while asleep: the bot wakes without them rather than failing
        ctx.emit(EventKind.ACTIVITY, f"{venue.name} does not list {', '.join(missing)}: "
                 "trading on without them", severity=Severity.WARNING,
                 data={"symbols": missing})
        symbols = [s for s in symbols if s not in missing]
    inbox = worker.inbox
    inbox.pump_fills(venue.stream_fills())  # subscribed before the catch-up
    alerts = pump_venue_alerts(ctx, venue)  # unreadable rows of our own orders
    if alerts is not None:
        inbox.keep(alerts)
    # orders a full disk kept out of the journal, then lost by a restart: before the rebuild
    await adopt_lost_orders(ctx, venue, symbols)
    now = await venue.server_time_ms()
    worker.gate = RiskGate(GateLimits.from_risk(ctx.config.risk))  # one per bot: all symbols
    for symbol in symbols:
        try:
            leg = await open_leg(worker, ctx, venue, instruments[symbol], now)
        except UsageError as exc:
            ctx.activity(f"cannot trade: {venue.name} cannot serve the {interval} candles "
                         f"this template needs ({exc}); the bot stays online and idle",
                         interval=interval, symbol=symbol)
            return False
        if symbol not in ctx.config.symbols:
            leg.retiring = True
            ctx.activity(f"{symbol} is no longer in the bot's symbols but holds a "
                         "position: managed until flat, no new entries", symbol=symbol)
        worker.legs.append(leg)
        await worker.set_leverage(ctx, venue, symbol)
    report_switch(ctx, venue)
    counts = await reconcile(ctx, venue, worker.legs)
    ctx.activity(f"connected to {venue.name} ({ctx.bot.mode}); warmed on closed {interval} "
                 f"candles; reconciled: {counts}", **counts)
    for leg in worker.legs:
        await guard_stop(ctx, venue, leg)
    for leg in worker.legs:
        worker.start_stream(leg)
    await candles_since_warmup(inbox, venue, worker.legs)
    worker.session = SessionWatch(template.sessions, warmup_ms(worker.legs, worker.base_ms),
                                  worker.wake_lead_ms)
    ctx.heartbeat()
    ctx.mark_ready()
    return True


def traded_symbols(ctx: BotContext) -> list[str]:
    """The bot's symbols, plus removed ones whose position is still open (a restart while
    a removed symbol was being managed until flat)."""
    symbols = list(ctx.config.symbols)
    for position in ctx.store.positions.query(bot_id=ctx.bot_id):
        if position.symbol not in symbols and position.qty != 0:
            symbols.append(position.symbol)
    return symbols


async def open_leg(worker: LiveWorker, ctx: BotContext, venue: Venue, inst: Instrument,
                   now_ms: int) -> LiveLeg:
    """A symbol's kernel warmed on closed candles from REST and restored from the store;
    UsageError when the venue cannot serve those candles."""
    assert worker.template is not None and worker.gate is not None
    template, resolved = worker.template
    base_ms = worker.base_ms
    kernel = SymbolKernel(template, inst, client_prefix(ctx.bot_id, inst.symbol), base_ms,
                          resolved)
    execution = LiveExecution(ctx, venue, kernel, LiveGuard(ctx, worker.gate, inst),
                              amend_interval_s=worker.amend_interval_s,
                              give_up_s=worker.give_up_s)
    leg = LiveLeg(inst.symbol, inst, kernel, execution, FillApplier(ctx, kernel, execution),
                  base_ms)
    bars = min(MAX_WARMUP_BARS, kernel.engine.warmup_base_bars + 10)
    end = now_ms - now_ms % base_ms
    leg.warm(await venue.candles(inst.symbol, interval_name(base_ms),
                                 end - bars * base_ms, end))
    restored = restore_kernel(kernel, ctx.store, ctx.bot_id, inst.symbol)
    if restored.fills or restored.open_orders:
        ctx.activity(f"{inst.symbol}: rebuilt from {restored.fills} stored fills and "
                     f"{restored.open_orders} open orders", symbol=inst.symbol)
    return leg


async def candles_since_warmup(inbox: Inbox, venue: Venue, legs: Sequence[LiveLeg]) -> None:
    """A candle that closed between the warm-up read and the stream's subscription would
    otherwise wait for the next close (a whole bar late): once the stream is live, read
    what closed meanwhile; the loop acts on each candle once."""
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
            inbox.put_candle(leg, candle)
