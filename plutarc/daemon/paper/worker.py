"""PaperWorker: a paper bot on the sim venue, fed by a replay of real candles."""

from __future__ import annotations

import asyncio
import math
import time

import numpy as np

from plutarc.backtest.market_inputs import MarketInputs
from plutarc.daemon import order_cancel
from plutarc.daemon.bot_strategy import WARMUP_FACTOR, build_template
from plutarc.daemon.errors import NotFound
from plutarc.daemon.ops.daily_loss import enforce_daily_loss
from plutarc.daemon.paper.execution import PaperExecution
from plutarc.daemon.paper.follow import JournalFollower
from plutarc.daemon.paper.legs import (
    PAPER_CASH,
    PAPER_SIM_CONFIG,
    BarOutcome,
    Leg,
    client_prefix,
    make_instrument,
)
from plutarc.daemon.paper.records import store_step
from plutarc.daemon.paper.replay import (
    ReplaySettings,
    load_replay_bars,
    load_replay_inputs,
    timeline,
)
from plutarc.daemon.runtime.protocol import (
    AccountView,
    BotCommand,
    BotContext,
    CancelRequested,
    CandleRow,
    ConfigChanged,
    FlattenRequested,
    PauseChanged,
    VenueView,
)
from plutarc.daemon.runtime.sessions import WAKE_LEAD_MS, Phase, SessionWatch
from plutarc.errors import ConfigError, PlutarcError
from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.funding import FundingFeed
from plutarc.exchanges.sim.intents import fill_completes_order
from plutarc.models.events import EventKind, Severity
from plutarc.risk.gate import GateLimits, RiskGate
from plutarc.risk.gate_events import note_refusals
from plutarc.storage.sqlite import is_disk_full
from plutarc.strategy.kernel import SymbolKernel
from plutarc.strategy.series import Bars
from plutarc.strategy.template import Template
from plutarc.strategy.template_validation import ResolvedComponent

PAUSED_REASON = "bot: entries paused"


class PaperWorker:
    """Replays candles through per-symbol kernels and sim venues; one SimAccount per bot.

    A restart rebuilds the sim and the kernels by replaying, without writing, every candle up
    to the last one whose records were committed (the latest equity snapshot), then goes on
    live: the replay resumes where it stopped and journaled orders are never journaled again.
    """

    def __init__(self, latencies: list[float] | None = None) -> None:
        self.latencies = latencies  # candle close -> order handed to the venue (s), if wanted
        self._close_started: float | None = None
        self.pending_config = None
        self.legs: list[Leg] = []
        self.account: SimAccount | None = None
        self.watch: SessionWatch | None = None
        self.gate: RiskGate | None = None
        self.to_add: list[str] = []  # symbols added while running, joining at the next candle
        self._followers: dict[str, JournalFollower] = {}  # per symbol: the journal follows the sim

    async def run(self, ctx: BotContext) -> None:
        settings = ReplaySettings.from_spec(ctx.bot.replay)
        bars = await load_replay_bars(settings, ctx.config.symbols)
        inputs = load_replay_inputs(settings, tuple(bars))  # the config may change meanwhile
        template, resolved = build_template(ctx.config)
        settles = {make_instrument(s).settle for s in bars}
        self.account = SimAccount(dict.fromkeys(settles, PAPER_CASH))
        self.gate = RiskGate(GateLimits.from_risk(ctx.config.risk))  # one per bot
        for symbol, series in bars.items():
            self.legs.append(self._new_leg(ctx, symbol, series, template, resolved,
                                           inputs[symbol]))
        latest = ctx.store.equity.query(bot_id=ctx.bot_id, limit=1)
        resume_ms = latest[-1].ts_ms if latest else -1
        paused = self._paused_history(ctx)
        interval_ms = next(iter(bars.values())).interval_ms
        ctx.mark_ready()
        ctx.heartbeat()
        if resume_ms >= 0:
            ctx.activity(f"resuming the replay after {resume_ms} (rebuilding state first)",
                         resume_ms=resume_ms)
        ticks = timeline(bars)
        self.watch = SessionWatch(template.sessions, self._warmup_ms(), WAKE_LEAD_MS)
        beat = time.monotonic()
        k = 0
        while k < len(ticks):
            if ctx.stopping.is_set():
                return
            ts = int(ticks[k])
            close_ms = ts + interval_ms
            live = close_ms > resume_ms
            if live:
                self._handle_commands(ctx, ts)
                if self.to_add:
                    ticks, k = await self._add_symbols(ctx, settings, ts, interval_ms)
                    continue
            self._guarded_step(ctx, ts, live, paused)
            k += 1
            change = self.watch.update(close_ms, all(leg.is_flat() for leg in self.legs))
            if change is not None:
                if live:
                    ctx.activity(change.message, phase=change.phase.value, at_ms=close_ms,
                                 wake_ms=change.wake_ms, session_ms=change.session_ms)
                    ctx.set_sleeping(change.phase is Phase.SLEEPING, change.message)
                if change.phase is Phase.SLEEPING:
                    k = await self._sleep(ctx, ticks, k, close_ms, settings.speed,
                                          live=live, interval_ms=interval_ms)
                    if k < 0:
                        return
            if time.monotonic() - beat >= ctx.heartbeat_interval_s:
                ctx.heartbeat()
                beat = time.monotonic()
            if live and math.isfinite(settings.speed):
                await self._pace(ctx, interval_ms / 1000 / settings.speed,
                                 int(ticks[k]) if k < len(ticks) else None)
            else:
                await asyncio.sleep(0)
        ctx.activity("replay finished: no more candles",
                     symbols=[leg.symbol for leg in self.legs])
        await self._idle(ctx)

    async def _pace(self, ctx: BotContext, delay_s: float, next_ts: int | None) -> None:
        """Wait for the next candle of a paced replay, handling commands the moment they
        arrive (a change reaches the bot without waiting a bar) and beating through a long
        wait, or the watchdog would restart it (never a heartbeat row per fast bar)."""
        deadline = (beat := time.monotonic()) + delay_s
        while not ctx.stopping.is_set() and (remaining := deadline - time.monotonic()) > 0:
            command = await ctx.next_command(min(remaining, ctx.heartbeat_interval_s))
            if time.monotonic() - beat >= ctx.heartbeat_interval_s:  # a slow replay's long bar
                ctx.heartbeat()
                beat = time.monotonic()
            if command is not None:
                self._handle(ctx, command, next_ts)

    async def _idle(self, ctx: BotContext) -> None:
        """After the last candle: answer commands and beat until stopped."""
        while not ctx.stopping.is_set():
            command = await ctx.next_command(ctx.heartbeat_interval_s)
            if command is not None:
                self._handle(ctx, command, None)
            ctx.heartbeat()
            ctx.backlog.flush()  # what a full disk held back, once it has room

    def _new_leg(self, ctx: BotContext, symbol: str, series: Bars, template: Template,
                 resolved: list[ResolvedComponent], inputs: MarketInputs | None = None) -> Leg:
        assert self.account is not None and self.gate is not None
        inputs = inputs or MarketInputs()
        instrument = make_instrument(symbol)
        # the funding schedule and series, and the context, as the backtester builds them
        sim = SimMatchingEngine(instrument, inputs.sim_config(PAPER_SIM_CONFIG), self.account,
                                funding=inputs.charged)
        kernel = SymbolKernel(template, instrument, client_prefix(ctx.bot_id, symbol),
                              series.interval_ms, resolved)
        leg = Leg(symbol, instrument, series, PaperExecution(ctx, sim, self._probe, self.gate),
                  kernel, context=inputs.context(), funding_feed=FundingFeed(sim.funding_payments))
        leg.execution.kernel_of = lambda: leg.kernel  # the kernel swaps on changes
        return leg

    async def _add_symbols(self, ctx: BotContext, settings: ReplaySettings, ts: int,
                           interval_ms: int) -> tuple[np.ndarray, int]:
        """Symbols added while running join at candle ``ts``, warmed on their earlier candles."""
        symbols, self.to_add = tuple(self.to_add), []
        try:
            bars = await load_replay_bars(settings, symbols)
            if next(iter(bars.values())).interval_ms != interval_ms:
                raise ConfigError("their candles have another interval than the bot's")
        except PlutarcError as exc:
            ctx.emit(EventKind.ACTIVITY, f"cannot add {', '.join(symbols)}: {exc}",
                     severity=Severity.WARNING, data={"symbols": list(symbols)})
            bars = {}
        template, resolved = build_template(ctx.config)
        for symbol, series in bars.items():
            leg = self._new_leg(ctx, symbol, series, template, resolved)
            leg.next_index = int(np.searchsorted(series.ts_ms, ts, side="left"))
            if leg.next_index:
                leg.kernel.engine.update(series.slice(0, leg.next_index), leg.context)
            self.legs.append(leg)
            ctx.activity(f"now trading {symbol} as well (warmed on {leg.next_index} earlier "
                         "candles)", symbol=symbol)
        ticks = timeline({leg.symbol: leg.bars for leg in self.legs})
        return ticks, int(np.searchsorted(ticks, ts, side="left"))

    def _change_symbols(self, ctx: BotContext, new: tuple[str, ...],
                        now_ms: int | None) -> None:
        trading = {leg.symbol: leg for leg in self.legs}
        for symbol, leg in trading.items():
            if symbol not in new and not leg.retiring:
                leg.retiring = True
                ctx.activity(f"{symbol} removed: no new entries; "
                             + ("its open position is managed until flat" if not leg.is_flat()
                                else "it is flat and stops now"), symbol=symbol, at_ms=now_ms)
            elif symbol in new and leg.retiring:
                leg.retiring = False
                ctx.activity(f"{symbol} added back: trading it again", symbol=symbol)
        self.to_add += [s for s in new if s not in trading and s not in self.to_add]
        self._drop_retired(ctx)

    def _drop_retired(self, ctx: BotContext) -> None:
        for leg in [leg for leg in self.legs if leg.retiring and leg.is_flat()]:
            if len(self.legs) == 1:
                return  # the replay needs one leg until an added symbol has joined
            self.legs.remove(leg)
            ctx.activity(f"stopped trading {leg.symbol}: flat, and no longer in the bot's "
                         "symbols", symbol=leg.symbol)

    def _warmup_ms(self) -> int:
        """Candles loaded on waking: a margin over what the slowest component needs, so the
        indicators have settled (not just started) by the session's open."""
        need = max(leg.kernel.engine.warmup_base_bars for leg in self.legs)
        return WARMUP_FACTOR * need * self.legs[0].bars.interval_ms

    async def _sleep(self, ctx: BotContext, ticks: np.ndarray, k: int, now_ms: int,
                     speed: float, *, live: bool, interval_ms: int) -> int:
        """Sleep until the watch's wake time: no candles are processed meanwhile (a live bot
        closes its market data). Returns the timeline index to go on from, -1 when stopping."""
        assert self.watch is not None and self.watch.wake_ms is not None
        wake_ms = self.watch.wake_ms
        resume_k = int(np.searchsorted(ticks, wake_ms - interval_ms, side="left"))
        if resume_k >= len(ticks):
            return resume_k  # the replay ends before the wake
        if live:
            delay_s = 0.0 if not math.isfinite(speed) else (wake_ms - now_ms) / 1000 / speed
            woke = await ctx.wake_timer.sleep(
                ctx, delay_s, lambda command: self._handle(ctx, command, None))
            if not woke:
                return -1
        wake_at = max(wake_ms, int(ticks[resume_k]))
        change = self.watch.update(wake_at, True)
        for leg in self.legs:
            leg.rewarm(int(ticks[resume_k]), self._warmup_ms(), ctx.bot_id)
        if live and change is not None:
            ctx.activity(change.message, phase=change.phase.value, at_ms=wake_at)
            ctx.set_sleeping(False, change.message)
        return resume_k

    def recent_candles(self, symbol: str, limit: int) -> list[CandleRow]:
        for leg in self.legs:
            if leg.symbol == symbol:
                end = leg.next_index
                b = leg.bars.slice(max(0, end - limit), end)
                return [(int(t), float(o), float(h), float(lo), float(c), float(v)) for
                        t, o, h, lo, c, v in zip(b.ts_ms, b.open, b.high, b.low, b.close,
                                                 b.volume, strict=True)]
        known = ", ".join(leg.symbol for leg in self.legs)
        raise NotFound(f"this bot does not trade {symbol!r} (it trades {known})")

    def _probe(self, handed_at: float) -> None:
        if self.latencies is not None and self._close_started is not None:
            self.latencies.append(handed_at - self._close_started)

    def _guarded_step(self, ctx: BotContext, ts: int, live: bool,
                      paused: set[tuple[str, int]]) -> None:
        """A full disk never stops the replay: held writes go in first once it has room."""
        try:
            if live:
                ctx.backlog.flush()
            self._step(ctx, ts, live, paused)
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            ctx.backlog.refused(f"the bookkeeping of the step at {ts}", exc)

    def _step(self, ctx: BotContext, ts: int, live: bool, paused: set[tuple[str, int]]) -> None:
        """One candle open time across every symbol: fills, then the close (as in a backtest)."""
        assert self.account is not None
        outcomes: dict[str, BarOutcome] = {}
        for leg in self.legs:
            j = leg.next_index
            if j >= len(leg.bars) or int(leg.bars.ts_ms[j]) != ts:
                continue
            leg.next_index += 1
            out = outcomes[leg.symbol] = BarOutcome()
            i = leg.sim.append_bar(leg.bars.candle(j))
            fills = leg.sim.process_bar(i)
            if leg.funding_feed is not None:  # funding first, as the backtester books it
                leg.funding_feed.pass_to(leg.kernel.policy.tracker.add_funding)
            for fill in fills:
                intents, trade = leg.kernel.on_fill(
                    fill, fill_completes_order(leg.sim, fill))
                if live:
                    leg.execution.settle_fill(fill, ts)
                    out.fills.append(fill)
                    if trade is not None:
                        out.trades.append(trade)
                leg.execution.apply(intents, ts, live)
            close_ms = ts + leg.bars.interval_ms
            equity = float(self.account.equity(leg.instrument.settle))
            entries = ctx.entries_allowed if live else (leg.symbol, close_ms) not in paused
            entries = entries and not leg.retiring
            self._close_started = time.perf_counter()
            result = leg.kernel.on_close(leg.bars.slice(j, j + 1), equity, entries, leg.context)
            leg.execution.apply(result.intents, close_ms, live)
            self._close_started = None
            if live:
                self._follower(ctx, leg).step(close_ms)
            out.decisions = ctx.backlog.explain(
                note_refusals(result.decisions, leg.execution.take_refusals()))
        if live and outcomes:
            store_step(ctx, self.legs, self.account, outcomes, ts)
            if ctx.config.risk.max_daily_loss is not None:  # on what the step just stored
                enforce_daily_loss(ctx, ts + self.legs[0].bars.interval_ms,
                                   {leg.symbol: leg.instrument for leg in self.legs})
        if any(leg.retiring for leg in self.legs):
            self._drop_retired(ctx)
        if self.pending_config is not None and all(leg.is_flat() for leg in self.legs):
            self._swap(ctx, self.pending_config)

    async def venue_view(self) -> VenueView:
        """The sims' open orders and positions, as they are between two steps."""
        orders = tuple((o.request.client_id, leg.symbol) for leg in self.legs
                       for o in leg.sim.open_orders())
        held = tuple((leg.symbol, q) for leg in self.legs
                     if (q := leg.sim.position_snapshot().qty) != 0)
        return VenueView(orders, held)

    async def account_view(self) -> AccountView | None:
        """A paper bot's own sim wallet (never shared) and its open PnL."""
        if self.account is None:
            return None
        currencies = self.account.currencies()
        wallet = {c: self.account.balance(c) for c in currencies}
        open_pnl = tuple(("", c, self.account.equity(c) - wallet[c]) for c in currencies)
        return AccountView(wallet, open_pnl,
                           tuple(sorted({leg.instrument.settle for leg in self.legs})))

    def _follower(self, ctx: BotContext, leg: Leg) -> JournalFollower:
        follower = self._followers.get(leg.symbol)
        if follower is None or follower.sim is not leg.sim:
            follower = self._followers[leg.symbol] = JournalFollower(ctx, leg.sim)
        return follower

    def _handle_commands(self, ctx: BotContext, now_ms: int) -> None:
        while not ctx.commands.empty():
            self._handle(ctx, ctx.commands.get_nowait(), now_ms)

    def _handle(self, ctx: BotContext, command: BotCommand, now_ms: int | None) -> None:
        if isinstance(command, PauseChanged):
            ctx.activity("paused: no new positions, exits still managed" if command.paused
                         else "resumed: trading again", paused=command.paused)
        elif isinstance(command, FlattenRequested):
            if now_ms is None:
                ctx.activity("flatten requested after the replay ended: no candles left to "
                             "fill at", requested_by=command.requested_by)
                return
            for leg in self.legs:
                leg.execution.apply(leg.kernel.flatten("flatten requested"), now_ms, True)
            ctx.activity(f"flattening every position (asked by {command.requested_by})")
        elif isinstance(command, CancelRequested):
            order_cancel.in_paper(ctx, self.legs, command, now_ms)
        elif isinstance(command, ConfigChanged):
            if command.new.symbols != command.old.symbols:
                self._change_symbols(ctx, command.new.symbols, now_ms)
            if command.new.template_toml == command.old.template_toml:
                return
            if all(leg.is_flat() for leg in self.legs):
                self._swap(ctx, command.new)
            else:
                self.pending_config = command.new
                ctx.activity(f"template {command.new.template!r} waits until the bot is flat: "
                             "the open position keeps the old rules",
                             template=command.new.template)

    def _swap(self, ctx: BotContext, config) -> None:  # noqa: ANN001 - BotConfig
        template, resolved = build_template(config)
        for leg in self.legs:
            leg.swap_kernel(template, resolved, ctx.bot_id)
        self.pending_config = None
        # The new template may bring other sessions or a longer warm-up.
        self.watch = SessionWatch(template.sessions, self._warmup_ms(), WAKE_LEAD_MS)
        ctx.activity(f"now trading template {config.template!r} v{config.template_version}",
                     template=config.template)

    @staticmethod
    def _paused_history(ctx: BotContext) -> set[tuple[str, int]]:
        """Candles on which entries were paused, so a rebuild decides as the first run did."""
        rows = ctx.store.db.execute(
            "SELECT symbol, ts_ms FROM decisions WHERE bot_id = ? AND skip_reasons LIKE ?",
            (ctx.bot_id, f"%{PAUSED_REASON}%"))
        return {(r["symbol"], int(r["ts_ms"])) for r in rows}
