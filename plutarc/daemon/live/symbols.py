"""Symbol changes of a running live bot, each step an activity event.

A removed symbol takes no new entries and is managed until flat (its protective stop stays
on the venue); once flat, with no order open, it is dropped and its candle stream closed.
An added symbol is looked up in the venue's instruments, warmed on closed candles from
REST, restored from the store and reconciled (a symbol traded before may have orders and
fills), given its leverage, and its stream started: it acts from its next close.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plutarc.daemon.live.reconcile import reconcile
from plutarc.daemon.live.sleep import symbol_flat
from plutarc.daemon.live.switch import guard_stop
from plutarc.daemon.ops.dust import remember_instruments
from plutarc.daemon.runtime.protocol import BotContext
from plutarc.errors import UsageError, VenueError
from plutarc.models.events import EventKind, Severity

if TYPE_CHECKING:
    from plutarc.daemon.live.worker import LiveWorker


async def change_symbols(worker: LiveWorker, ctx: BotContext, new: tuple[str, ...]) -> None:
    trading = {leg.symbol: leg for leg in worker.legs}
    for symbol, leg in trading.items():
        if symbol not in new and not leg.retiring:
            leg.retiring = True
            flat = symbol_flat(ctx, leg)
            ctx.activity(f"{symbol} removed: no new entries; " + (
                "it is flat and stops now" if flat else "its open position is managed until "
                "flat, its protective stop stays on the venue"), symbol=symbol)
        elif symbol in new and leg.retiring:
            leg.retiring = False
            ctx.activity(f"{symbol} added back: trading it again", symbol=symbol)
    for symbol in new:
        if symbol not in trading:
            await add_symbol(worker, ctx, symbol)
    await drop_retired(worker, ctx)


async def drop_retired(worker: LiveWorker, ctx: BotContext) -> None:
    for leg in [leg for leg in worker.legs if leg.retiring and symbol_flat(ctx, leg)]:
        worker.legs.remove(leg)
        await worker.close_stream(leg)
        ctx.activity(f"stopped trading {leg.symbol}: flat with no open order, and no longer "
                     "in the bot's symbols; its candle stream is closed", symbol=leg.symbol)


async def add_symbol(worker: LiveWorker, ctx: BotContext, symbol: str) -> None:
    venue = worker.venue
    assert venue is not None
    try:
        listed = {i.symbol: i for i in await venue.instruments()}
    except VenueError as exc:
        _refuse(ctx, symbol, f"{venue.name} did not list its instruments ({exc})")
        return
    inst = listed.get(symbol)
    if inst is None:
        _refuse(ctx, symbol, f"{venue.name} does not list it (symbols are plutarc's names, "
                "e.g. BTCUSD for XBTUSD)")
        return
    remember_instruments(ctx.bot.venue, [inst])
    try:
        leg = await worker.open_leg(ctx, venue, inst, await venue.server_time_ms())
    except UsageError as exc:
        _refuse(ctx, symbol, f"{venue.name} cannot serve the candles this template needs "
                f"({exc})")
        return
    except VenueError as exc:  # e.g. listed but not tradable: its candles are refused
        _refuse(ctx, symbol, f"{venue.name} refused its warm-up candles ({exc})")
        return
    ctx.activity(f"adding {symbol}: listed on {venue.name}; warmed on {len(leg.recent)} closed "
                 "candles", symbol=symbol, warmed=len(leg.recent))
    await worker.set_leverage(ctx, venue, symbol)
    counts = await reconcile(ctx, venue, [leg])
    await guard_stop(ctx, venue, leg)
    worker.legs.append(leg)
    worker.start_stream(leg)
    await worker.candles_since_warmup(venue, [leg])
    ctx.activity(f"now trading {symbol} as well: reconciled ({counts}), candle stream "
                 "started; it acts from its next close", symbol=symbol, **counts)


def _refuse(ctx: BotContext, symbol: str, why: str) -> None:
    ctx.emit(EventKind.ACTIVITY, f"cannot add {symbol}: {why}; the bot goes on without it",
             severity=Severity.WARNING, data={"symbol": symbol})
