"""The backtest runner: a template over a bar series through the sim venue, using the same
engine, position policy and matching code as a paper or live bot.

Batching, not re-implementation: the engine runs once over the whole series (its causal
outputs equal a bar-by-bar run), and the loop below calls the policy and the matching engine
only at the bars where something can happen — the sim engine's ``next_event_bar`` and the
policy's ``preview_exits`` say where that is. Every fill, stop move and decision goes through
the same methods a live bot calls.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from plutarc.errors import FinalVenueError, InsufficientFunds
from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.funding import FundingFeed
from plutarc.exchanges.sim.intents import carry_out, fill_completes_order
from plutarc.models import Fill, Instrument, Trade
from plutarc.risk.gate import GateLimits, RiskGate
from plutarc.risk.limits import RiskLimits
from plutarc.risk.sim_view import sim_market_view
from plutarc.strategy.context import MarketContext, TimeSeries
from plutarc.strategy.decision import Action, DecisionBatch
from plutarc.strategy.engine import EngineStep, StrategyEngine
from plutarc.strategy.intents import Intent, Place
from plutarc.strategy.policy import PositionPolicy
from plutarc.strategy.series import Bars
from plutarc.strategy.sizing import READS_EQUITY
from plutarc.strategy.template import Template

ProgressFn = Callable[[int, int], None]

# Exit previews look at most this far ahead: long enough to skip quiet stretches in one
# step, short enough that a position held for months is not re-previewed to the end.
SCAN_WINDOW_BARS = 4096
NEAR_WINDOW_BARS = 64  # moving exits are previewed this far first (see ``_scan``)
ENTRIES = (Action.ENTER_LONG, Action.ENTER_SHORT)
BOT_RISK = GateLimits.from_risk(RiskLimits())
"""The risk gate a bot runs unless its config says otherwise."""


@dataclass
class BacktestOutcome:
    """Everything a run produced, before metrics and storage."""

    template: Template
    instrument: Instrument
    bars: Bars
    start_index: int
    trades: list[Trade]
    fills: list[Fill]
    decisions: DecisionBatch
    actions: np.ndarray  # int8 per decision row: 0 none, 1 acted
    overrides: dict[int, list[str]]  # decision row -> the bot-state reasons it did not act
    starting_cash: Decimal
    final_equity: Decimal
    funding_total: Decimal
    fees_total: Decimal
    orders_sent: int
    # the position still held at the end, marked to the last close (exit_reason "open")
    open_trade: Trade | None = None
    refusals: list[Refusal] = field(default_factory=list)
    risk_refusals: dict[str, int] = field(default_factory=dict)  # gate rule -> entries refused
    last_entry_ms: int | None = None  # the last entry order the venue accepted
    notes: list[str] = field(default_factory=list)
    funding_payments: int = 0  # funding times at which the position paid or received
    funding_missing: int = 0  # funding times in a position that the series had no rate for


@dataclass(frozen=True)
class Refusal:
    """An order the venue refused; the run goes on without it (the policy forgets it)."""

    ts_ms: int
    client_id: str
    kind: str  # "margin" (InsufficientFunds) or "venue" (any other final rejection)
    message: str


class _Executor:
    """Carries policy intents out on the sim engine, counting the orders sent. An order the
    venue refuses (no margin left, say) is refused, recorded and forgotten by the policy, as
    a bot forgets it; it never ends the run."""

    def __init__(self, sim: SimMatchingEngine, policy: PositionPolicy,
                 gate: RiskGate | None) -> None:
        self.sim = sim
        self.policy = policy
        self.gate = gate
        self.orders_sent = 0
        self.refusals: list[Refusal] = []
        self.risk_refusals: dict[str, int] = {}  # gate rule -> entries it refused or cut
        self.last_entry_ms: int | None = None  # the last entry the venue accepted

    def _gate(self, intent: Place, now_ms: int, refused: list[str]) -> Place | None:
        """The bot's risk gate, as a paper bot runs it: the order to send (maybe clamped or
        cut to its closing part), or None when it is blocked."""
        request = intent.request
        verdict = self.gate.check(request, sim_market_view(self.sim, self.policy, request),  # type: ignore[union-attr]
                                  self.sim.instrument, now_ms)
        if verdict.refused:
            self.risk_refusals[verdict.rule] = self.risk_refusals.get(verdict.rule, 0) + 1
            refused.append(f"risk: {request.tag or 'order'} refused: {verdict.rule}: "
                           f"{verdict.message}")
        if verdict.request is None:
            self.policy.forget(request.client_id)
            return None
        self.gate.sent(now_ms)  # type: ignore[union-attr]
        return intent if verdict.request is request else Place(verdict.request, intent.reason)

    def apply(self, intents: list[Intent], now_ms: int) -> list[str]:
        """Carry ``intents`` out; the reasons of any refused, worded as skip reasons."""
        refused: list[str] = []
        for intent in intents:
            if self.gate is not None and isinstance(intent, Place):
                gated = self._gate(intent, now_ms, refused)
                if gated is None:
                    continue
                intent = gated
            try:
                carry_out(self.sim, intent, now_ms)
            except FinalVenueError as exc:
                cid = intent.request.client_id if isinstance(intent, Place) else intent.client_id
                kind = "margin" if isinstance(exc, InsufficientFunds) else "venue"
                self.policy.forget(cid)
                self.refusals.append(Refusal(now_ms, cid, kind, str(exc)))
                refused.append(f"{kind}: order refused: {exc}")
                continue
            if isinstance(intent, Place):
                self.orders_sent += 1
                if intent.request.tag == "entry":
                    self.last_entry_ms = now_ms
        return refused


class BacktestRun:
    """``risk``: the bot's risk gate limits, by default a bot's defaults (a backtest says what
    a bot would have done); None runs without the gate. ``funding``: the series funding is
    charged from, by default the context's."""

    def __init__(self, template: Template, bars: Bars, instrument: Instrument,
                 config: SimConfig, starting_cash: Decimal, *, start_index: int = 0,
                 ctx: MarketContext | None = None, progress: ProgressFn | None = None,
                 risk: GateLimits | None = BOT_RISK, funding: TimeSeries | None = None) -> None:
        self.template = template
        self.bars = bars
        self.inst = instrument
        self.start_index = start_index
        self.ctx = ctx or MarketContext()
        self.progress = progress
        self.engine = StrategyEngine(template, bars.interval_ms)
        self.account = SimAccount({instrument.settle: starting_cash})
        self.starting_cash = starting_cash
        if funding is None and len(self.ctx.funding.ts_ms):
            funding = self.ctx.funding  # charged from what strategies see, unless told
        self.sim = SimMatchingEngine(instrument, config, self.account, funding=funding)
        self.sim.set_bars(bars)
        self.policy = PositionPolicy(self.engine, instrument, "bt")
        self.risk = risk
        self._sized_by_equity = template.sizing.mode in READS_EQUITY
        self.exec = _Executor(self.sim, self.policy, RiskGate(risk) if risk else None)
        self.trades: list[Trade] = []
        self.fills: list[Fill] = []
        self._funding = FundingFeed(self.sim.funding_payments)

    # ------------------------------------------------------------------ helpers
    def _equity(self) -> float:
        return float(self.account.equity(self.inst.settle))

    def _handle_fills(self, fills: list[Fill], now_ms: int) -> None:
        self._funding.pass_to(self.policy.tracker.add_funding)
        for fill in fills:
            self.fills.append(fill)
            intents, trade = self.policy.on_fill(fill, fill_completes_order(self.sim, fill))
            if trade is not None:
                self.trades.append(trade)
            self.exec.apply(intents, now_ms)

    # ------------------------------------------------------------------ the loop
    def run(self) -> BacktestOutcome:
        # The run allocates many small, acyclic objects (orders, fills); the cyclic collector
        # only costs time here, so it waits until the run is over.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if enabled:
                gc.enable()

    def _run(self) -> BacktestOutcome:
        step: EngineStep = self.engine.update(self.bars, self.ctx)
        dec, ex = step.decisions, step.exits
        base_close = self.bars.close_ts_ms
        open_ts = self.bars.ts_ms
        trig_j = np.searchsorted(base_close, dec.ts_ms)
        exit_j = np.searchsorted(base_close, ex.close_ts_ms)
        n = len(self.bars)
        actions = np.zeros(len(dec), dtype=np.int8)
        overrides: dict[int, list[str]] = {}
        entry_rows, rows_long, rows_short = self._rows_that_matter(dec, trig_j)
        # rows where the policy's decide can do or say anything: allowed by the engine, or
        # a score a signal-reversal exit reacts to. Elsewhere it returns (NONE, [], []) and
        # changes nothing, in any state, so the call is skipped.
        may_act = self._rows_decide_reads(dec)
        # the base bars of those rows, gathered once (not once per event: O(n) each time)
        entry_bars = trig_j[entry_rows]
        long_bars, short_bars = trig_j[rows_long], trig_j[rows_short]
        r_exit = 0  # first exit row not yet handled
        j = self.start_index
        last_report = 0

        def decide(r: int, b: int) -> None:
            acted, reasons = self._decide(dec, r, b)
            if acted:
                actions[r] = 1
            if reasons and dec.allowed[r]:
                overrides[r] = reasons

        # per base bar: its decision row (-1: no trigger close) and the exit rows closed by it
        row_at = np.full(n, -1, dtype=np.int64)
        row_at[trig_j[trig_j < n]] = np.flatnonzero(trig_j < n)
        exits_through = np.searchsorted(exit_j, np.arange(n), side="right")

        def close_of(b: int) -> None:
            """Everything a bot does when base bar b closes: exits first, then the decision."""
            nonlocal r_exit
            hi = int(exits_through[b])
            if hi > r_exit:
                # one commit for the run of closes: the rules compose, so this equals one
                # commit per close (the scan stopped at the first close that acts)
                self.policy.see_exit_row(ex, hi - 1)
                self.exec.apply(self.policy.commit_exits(ex, r_exit, hi), int(base_close[b]))
                r_exit = hi
            r = int(row_at[b])
            if r >= 0 and b >= self.start_index and may_act[r]:
                decide(r, b)

        while j < n:
            if self.progress and j - last_report > 50_000:
                self.progress(j, n)
                last_report = j
            if self.policy.flat and not self.sim.open:
                k = int(entry_bars.searchsorted(j))
                if k >= entry_bars.size:
                    break
                b = int(entry_bars[k])
                r_exit = int(exit_j.searchsorted(b))  # no exits matter while flat
                if r_exit > 0:
                    self.policy.see_exit_row(ex, r_exit - 1)
                # bars j..b-1 are idle: flat with nothing resting, the venue has nothing to do
                self._handle_fills(self.sim.process_bar(b), int(base_close[b]))
                close_of(b)
                j = b + 1
                continue
            # in a position (or orders resting): find the next bar where anything can happen
            side = self.policy.side
            at = long_bars if side > 0 else short_bars if side < 0 else entry_bars
            k = int(at.searchsorted(j))
            horizon = int(at[k]) if k < at.size else n - 1
            event = self._scan(j, horizon, ex, exit_j, r_exit)
            if event > j:
                # idle bars: commit the exit closes that happened before the event bar
                hi = int(exit_j.searchsorted(event - 1, side="right"))
                if hi > r_exit:
                    self.policy.see_exit_row(ex, hi - 1)
                    self.exec.apply(self.policy.commit_exits(ex, r_exit, hi),
                                    int(base_close[exit_j[hi - 1]]))
                    r_exit = hi
            self._handle_fills(self.sim.process_bar(event), int(open_ts[event]))
            close_of(event)
            j = event + 1
        final = self._final_equity()
        return BacktestOutcome(
            self.template, self.inst, self.bars, self.start_index, self.trades, self.fills,
            dec, actions, overrides, self.starting_cash, final,
            sum((p.amount for p in self.sim.funding_payments), Decimal(0)),
            sum((f.fee for f in self.fills), Decimal(0)), self.exec.orders_sent,
            open_trade=self._open_trade(), refusals=self.exec.refusals,
            last_entry_ms=self.exec.last_entry_ms, risk_refusals=self.exec.risk_refusals,
            funding_payments=len(self.sim.funding_payments),
            funding_missing=self.sim.funding.missing)

    def _open_trade(self) -> Trade | None:
        """The position still open after the last bar, marked to its close."""
        last = len(self.bars) - 1
        if last < 0:
            return None
        return self.policy.tracker.mark_open(int(self.bars.ts_ms[last]) + self.bars.interval_ms,
                                             Decimal(repr(float(self.bars.close[last]))))

    def _decide(self, dec: DecisionBatch, r: int, b: int) -> tuple[bool, list[str]]:
        """The bot's decision at trigger row ``r`` (base bar ``b``), carried out: whether it
        acted, and why not (an order the venue refused is a reason). The equity (a Decimal
        sum) is worked out only for rows the engine allows: the policy reads it only to size
        an entry, which it never opens on a row the engine did not allow, and only in a
        sizing mode that reads it."""
        equity = self._equity() if self._sized_by_equity and dec.allowed[r] else 0.0
        action, reasons, intents = self.policy.decide(dec, r, equity, float(self.bars.close[b]))
        refused = self.exec.apply(intents, int(self.bars.close_ts_ms[b]))
        if refused and action in ENTRIES:
            return False, refused  # nothing opened
        if refused:
            return True, refused  # a reversal closed but did not open
        return action is not Action.NONE, reasons

    def _rows_that_matter(self, dec: DecisionBatch, trig_j: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Decision rows a flat bot acts on, and rows that can change a long / short."""
        entry_rows = np.flatnonzero(dec.allowed & (trig_j >= self.start_index))
        act_long = np.zeros(len(dec), dtype=bool)
        act_short = np.zeros(len(dec), dtype=bool)
        if self.template.on_opposite_signal != "ignore":
            act_long |= dec.allowed & (dec.direction < 0)
            act_short |= dec.allowed & (dec.direction > 0)
        for rule in self.policy.signal_rules:
            thr = rule.params["threshold"]
            act_long |= dec.score <= -thr
            act_short |= dec.score >= thr
        return entry_rows, np.flatnonzero(act_long), np.flatnonzero(act_short)

    def _rows_decide_reads(self, dec: DecisionBatch) -> np.ndarray:
        """Rows where ``PositionPolicy.decide`` may act or give a reason: the engine allows
        them, or a signal-reversal exit wants out of one side (its ``wants_exit``)."""
        rows = np.asarray(dec.allowed, dtype=bool).copy()
        for rule in self.policy.signal_rules:
            thr = rule.params["threshold"]
            rows |= (dec.score <= -thr) | (dec.score >= thr)
        return rows

    def _scan(self, j: int, horizon: int, ex, exit_j: np.ndarray, r_exit: int) -> int:
        """The first bar in [j, horizon] where the venue or the exit rules may do something.

        Moving exits are previewed over a short window first: most positions meet their
        event within it, and a preview costs in proportion to its length. Exit paths and the
        venue's search are causal, so an event found before the short window's end is the
        one the long scan finds; otherwise the long scan runs."""
        horizon = min(horizon, j + SCAN_WINDOW_BARS)
        near = j + NEAR_WINDOW_BARS
        if (near < horizon and not self.policy.exits_static and self.policy.side != 0
                and int(exit_j.searchsorted(near, side="right")) > r_exit):
            # (both windows preview: with no exit close in the short one it would not)
            event = self._scan_to(j, near, ex, exit_j, r_exit)
            if event < near:
                return event
        return self._scan_to(j, horizon, ex, exit_j, r_exit)

    def _scan_to(self, j: int, horizon: int, ex, exit_j: np.ndarray, r_exit: int) -> int:
        """``_scan`` over one window [j, horizon].

        Exit closes move the resting stop; the stop only tightens, so the venue's own
        accelerator (which sees the stop at its current, loosest level) finds every other
        event, and the first bar that touches the moving stop path is found here. Both are
        candidates only: ``process_bar`` decides what really fills. A close-now flag (time
        stop) ends the scan at its exit close."""
        venue_hit = self.sim.next_event_bar(j, horizon + 1)
        hi_row = int(exit_j.searchsorted(horizon, side="right"))
        if self.policy.side == 0 or hi_row <= r_exit or self.policy.exits_static:
            return min(venue_hit, horizon)
        levels, flags, _ = self.policy.preview_exits(ex, r_exit, hi_row)
        first = int(flags.argmax())  # the first close-now flag, or 0 when there is none
        if flags.item(first):
            horizon = min(horizon, int(exit_j[r_exit + first]))
        stop = self.policy.stop_level
        if (levels == stop).all():
            # the stop does not move in this window (never taken when NaN): the resting stop
            # order is all there is to it, and the venue's search has found its first bar
            return min(venue_hit, horizon)
        bars = np.arange(j, horizon + 1)
        # the level in force during bar b was set by the last exit close before b opened
        row = exit_j[r_exit:hi_row].searchsorted(bars, side="left") - 1
        path = np.where(row >= 0, levels[np.maximum(row, 0)], stop)
        if self.policy.side > 0:
            touch = self.bars.low[j:horizon + 1] <= path
        else:
            touch = self.bars.high[j:horizon + 1] >= path
        first = int(np.argmax(touch)) if touch.any() else horizon + 1 - j
        return min(venue_hit, j + first, horizon)

    def _final_equity(self) -> Decimal:
        return self.account.equity(self.inst.settle)


def run_backtest(template: Template, bars: Bars, instrument: Instrument, config: SimConfig,
                 starting_cash: Decimal, **kwargs) -> BacktestOutcome:
    return BacktestRun(template, bars, instrument, config, starting_cash, **kwargs).run()
