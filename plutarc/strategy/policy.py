"""The position policy: decisions and fills in, order intents out. Pure (no I/O, no clock).

This is the execution/exit logic every mode runs: the live and paper bots call it one candle
at a time, the backtester calls it at the moments where something can happen. It owns the
bot's view of its position on one symbol, the exit rules' state, the protective stop and
target orders, the entry cooldown, and deterministic client order ids.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from plutarc.models import Fill, Instrument, OrderRequest, OrderType, Side, Trade
from plutarc.strategy.components.base import Output
from plutarc.strategy.components.exits.base import ExitRule, ExitView, RuleState, ratchet
from plutarc.strategy.components.exits.timed import SignalReversalExit
from plutarc.strategy.components.timing.entry_cooldown import EntryCooldown
from plutarc.strategy.decision import Action, DecisionBatch
from plutarc.strategy.engine import ExitInputs, StrategyEngine
from plutarc.strategy.exit_snapshot import ExitSnapshot, exit_snapshot
from plutarc.strategy.intents import Amend, Cancel, Intent, Place
from plutarc.strategy.sizing import entry_quantity
from plutarc.strategy.trades import TradeTracker

ZERO = Decimal(0)
_MAX, _MIN = np.maximum.reduce, np.minimum.reduce  # ndarray.max/min without their wrapper
# the exit reason a fill of an order with this tag gives the trade it closes
_FILL_REASON = {"stop": "stop", "target": "take_profit", "entry": "opposite_signal",
                "liquidation": "liquidation"}


class PositionPolicy:
    def __init__(self, engine: StrategyEngine, instrument: Instrument, id_prefix: str,
                 first_seq: int = 1) -> None:
        template = engine.template
        self.template = template
        self.inst = instrument
        self.id_prefix = id_prefix
        self.seq = first_seq
        self.rules: list[tuple[str, ExitRule]] = [
            (s.info.key, s.component) for s in engine.exit_slots]  # type: ignore[misc]
        self.stop_rules = [(k, r) for k, r in self.rules if r.role == "stop"]
        self.target_rules = [(k, r) for k, r in self.rules if r.role == "target"]
        self.close_rules = [(k, r) for k, r in self.rules if r.role == "close"]
        self.signal_rules = [r for _, r in self.rules if isinstance(r, SignalReversalExit)]
        # What a preview evaluates. Not: rules left with the base ``path`` (targets, signal
        # exits: nothing to add), nor static stops, whose level is the one they gave at the
        # entry, already in ``stop_level`` (which only tightens). With none left, exit closes
        # need no evaluation: the resting orders are the rules' whole effect.
        self._path_rules = [(k, r) for k, r in self.rules
                            if type(r).path is not ExitRule.path and not r.static]
        # rules whose whole path is "close once held this many exit bars" (a time stop):
        # compared with the bars held, no view built
        self._held_limits = [r.held_limit() for _, r in self._path_rules
                             if r.held_limit() is not None]
        self._path_rules = [(k, r) for k, r in self._path_rules if r.held_limit() is None]
        self.exits_static = not self._path_rules and not self._held_limits
        cooldowns = [r.instantiate().cooldown_ms for r in engine.stateful
                     if r.cls is EntryCooldown]
        self.cooldown_ms = max([template.entry_cooldown_min * 60_000, *cooldowns])
        self.tracker = TradeTracker(instrument)
        self._exit_source: tuple[ExitInputs, int] | None = None
        self._exit_cache: ExitSnapshot | None = None
        # position state
        self.side = 0
        self.qty = ZERO
        self.entry = np.nan
        self.rule_states: dict[str, RuleState] = {}
        self.stop_level = np.nan
        self.stop_id: str | None = None
        self.stop_price: Decimal | None = None
        self.target_id: str | None = None
        self.bars_held = 0
        self.last_entry_ts: int | None = None
        self.pending: dict[str, str] = {}  # client id -> purpose (entry/exit) not yet filled
        self.exit_reason = ""
        self.snapshot: dict[str, float] = {}

    # ----------------------------------------------------------------- refused orders
    def forget(self, client_id: str) -> None:
        """The venue (or the risk gate) never took ``client_id``: stop waiting for it."""
        self.pending.pop(client_id, None)
        if client_id == self.stop_id:
            self.stop_id, self.stop_price = None, None
        elif client_id == self.target_id:
            self.target_id = None

    def planned_stop(self, side: int, price: float) -> float:
        """The protective stop an entry on ``side`` at ``price`` would get now (NaN if none)."""
        return self._initial_stop(side, price)

    # ----------------------------------------------------------------- exit inputs
    def see_exit_row(self, exits: ExitInputs, row: int) -> None:
        """The latest exit close is ``row`` of ``exits`` (read lazily: most closes of a
        backtest never need it)."""
        self._exit_source = (exits, row)
        self._exit_cache = None

    @property
    def latest_exit(self) -> ExitSnapshot:
        if self._exit_cache is None:
            if self._exit_source is None:
                self._exit_cache = ExitSnapshot(np.nan, {k: (np.nan, np.nan)
                                                         for k, _ in self.rules})
            else:
                self._exit_cache = exit_snapshot(*self._exit_source)
        return self._exit_cache

    # ----------------------------------------------------------------- ids
    def next_id(self, purpose: str) -> str:
        cid = f"{self.id_prefix}-{self.seq:07d}-{purpose}"
        self.seq += 1
        return cid

    @property
    def flat(self) -> bool:
        return self.side == 0 and not self.pending

    # ----------------------------------------------------------------- decisions
    def decide(self, batch: DecisionBatch, i: int, equity: float, price: float,
               entries_allowed: bool = True) -> tuple[Action, list[str], list[Intent]]:
        """Apply the bot's state to the engine's verdict at trigger close ``i``. With entries
        not allowed (paused, sleeping, halted) exits are still managed but nothing opens: an
        opposite signal that would reverse only closes."""
        ts = int(batch.ts_ms[i])
        d = int(batch.direction[i])
        score = float(batch.score[i])
        if self.side != 0 and not self._exit_pending():
            for rule in self.signal_rules:
                if rule.wants_exit(self.side, score):
                    return Action.EXIT, [], self._close_position("signal_reversal_exit")
        if not batch.allowed[i]:
            # The engine's own verdict: callers that show it call batch.blocked_by(i); the
            # backtester keeps the arrays and words them only when asked.
            return Action.NONE, [], []
        if self.pending:
            return Action.NONE, ["position: an order is still pending"], []
        if not entries_allowed and self.side != -d:
            return Action.NONE, ["bot: entries paused"], []
        if self.side == d:
            return Action.NONE, [f"position: already {'long' if d > 0 else 'short'}"], []
        if self.last_entry_ts is not None and ts - self.last_entry_ts < self.cooldown_ms:
            minutes = (ts - self.last_entry_ts) / 60_000
            return Action.NONE, [f"cooldown: {minutes:.0f} min since the last entry < "
                                 f"{self.cooldown_ms // 60_000}"], []
        intents: list[Intent] = []
        action = Action.ENTER_LONG if d > 0 else Action.ENTER_SHORT
        if self.side == -d:
            policy = self.template.on_opposite_signal
            if policy == "ignore":
                return Action.NONE, [f"position: opposite signal ignored while "
                                     f"{'long' if self.side > 0 else 'short'}"], []
            intents += self._close_position("opposite_signal")
            if policy == "exit" or not entries_allowed:
                return Action.EXIT, [] if entries_allowed else ["bot: entries paused"], intents
            action = Action.REVERSE_TO_LONG if d > 0 else Action.REVERSE_TO_SHORT
        stop_guess, invalid = self.stop_levels(d, price)
        if self.stop_rules and not math.isfinite(stop_guess):
            # no entry without a protective stop in place from its fill
            # (a reversal still closes: then the action is the exit)
            return (Action.EXIT if intents else Action.NONE), [
                f"stop: no valid protective stop for a {'long' if d > 0 else 'short'} at "
                f"{price:.2f} ({'; '.join(invalid)})"], intents
        qty, problem = entry_quantity(self.template.sizing, self.inst, price, equity, stop_guess)
        if qty <= 0:
            return (Action.EXIT if intents else Action.NONE), [problem], intents
        cid = self.next_id("entry")
        side = Side.BUY if d > 0 else Side.SELL
        why = "entry" if not invalid else f"entry ({'; '.join(invalid)})"
        intents.append(Place(OrderRequest(cid, self.inst.symbol, side, OrderType.MARKET, qty,
                                          tag="entry"), why))
        self.pending[cid] = "entry"
        self.last_entry_ts = ts
        self.snapshot = batch.snapshot(i)
        return action, [], intents

    def _exit_pending(self) -> bool:
        return "exit" in self.pending.values()

    def _close_position(self, reason: str) -> list[Intent]:
        intents: list[Intent] = self._cancel_protection(reason)
        cid = self.next_id("exit")
        side = Side.SELL if self.side > 0 else Side.BUY
        intents.append(Place(OrderRequest(cid, self.inst.symbol, side, OrderType.MARKET, self.qty,
                                          reduce_only=True, tag="exit"), reason))
        self.pending[cid] = "exit"
        self.exit_reason = reason
        return intents

    def _cancel_protection(self, reason: str) -> list[Intent]:
        intents: list[Intent] = []
        for cid in (self.stop_id, self.target_id):
            if cid is not None:
                intents.append(Cancel(cid, reason))
        self.stop_id = self.target_id = None
        self.stop_price = None
        return intents

    def flatten(self, reason: str = "flatten") -> list[Intent]:
        """Operator request: close the position now."""
        if self.side == 0 or self._exit_pending():
            return []
        return self._close_position(reason)

    # ----------------------------------------------------------------- exits
    def _rule_levels(self, side: int, entry: float) -> dict[str, float]:
        """Each stop rule's level for an entry at ``entry``; NaN where it gives no valid
        one. Valid: on the protective side of the entry (below it for a long), else the
        stop would sit past the market and fill on the next candle."""
        out = {}
        for k, r in self.stop_rules:
            level = r.initial_stop(side, entry, self.latest_exit.atr,
                                   self.latest_exit.own[k][0 if side > 0 else 1])
            out[k] = level if (level - entry) * side < 0 else np.nan
        return out

    def stop_levels(self, side: int, entry: float) -> tuple[float, list[str]]:
        """The protective stop for an entry at ``entry`` (NaN if none is valid) and, worded,
        the stop rules that could not give a valid level."""
        levels = self._rule_levels(side, entry)
        finite = [x for x in levels.values() if math.isfinite(x)]
        invalid = []
        for k, r in self.stop_rules:
            if math.isfinite(levels[k]):
                continue
            raw = r.initial_stop(side, entry, self.latest_exit.atr,
                                 self.latest_exit.own[k][0 if side > 0 else 1])
            invalid.append(f"{k} gives no level yet" if not math.isfinite(raw) else
                           f"{k} level {raw:.2f} is not {'below' if side > 0 else 'above'} "
                           f"the entry {entry:.2f}")
        if not finite:
            return np.nan, invalid
        return (max(finite) if side > 0 else min(finite)), invalid

    def _initial_stop(self, side: int, entry: float) -> float:
        return self.stop_levels(side, entry)[0]

    def preview_exits(self, exits: ExitInputs, lo: int, hi: int
                      ) -> tuple[np.ndarray, np.ndarray, dict[str, RuleState]]:
        """Stop level in force after each exit close in [lo, hi), close-now flags, and the
        rule states after ``hi`` — without changing anything."""
        n = hi - lo
        held = np.arange(self.bars_held + 1, self.bars_held + n + 1)
        combined: np.ndarray | None = None
        flags: np.ndarray | None = None
        # rules with the base path (targets, signal exits) contribute nothing: state kept
        states = dict(self.rule_states)
        high, low, close, atr = (exits.high[lo:hi], exits.low[lo:hi], exits.close[lo:hi],
                                 exits.atr[lo:hi])
        for key, rule in self._path_rules:
            own = exits.extras[key]
            view = ExitView(high, low, close, atr, Output(own.value[lo:hi], own.score[lo:hi]
                                                          if own.score is not None else None),
                            held)
            res = rule.path(states[key], view)
            states[key] = res.state
            if res.stop is not None:
                # fmax/fmin with an all-NaN start is the level itself
                combined = (res.stop if combined is None else np.fmax(combined, res.stop)
                            if self.side > 0 else np.fmin(combined, res.stop))
            if res.close_now is not None:
                now = np.asarray(res.close_now, dtype=bool)
                flags = now if flags is None else flags | now
        for limit in self._held_limits:
            flags = held >= limit if flags is None else flags | (held >= limit)
        if flags is None:
            flags = np.zeros(n, dtype=bool)
        if combined is None:
            # the ratchet of no level at all: the current stop (NaN if none or not finite)
            prev = self.stop_level if math.isfinite(self.stop_level) else np.nan
            return np.full(n, prev), flags, states
        return ratchet(self.side, self.stop_level, combined), flags, states

    def commit_exits(self, exits: ExitInputs, lo: int, hi: int) -> list[Intent]:
        """Apply exit closes [lo, hi): move the stop, or close the position."""
        if self.side == 0 or hi <= lo or self._exit_pending():
            return []
        if not self._path_rules:  # static stops, and maybe held limits: no levels move
            self.bars_held += hi - lo
            self._observe(exits, lo, hi)
            if self._held_limits and self.bars_held >= min(self._held_limits):
                return self._close_position("time_stop")
            return []
        levels, flags, states = self.preview_exits(exits, lo, hi)
        self.rule_states = states
        self.bars_held += hi - lo
        self._observe(exits, lo, hi)
        if flags[-1]:
            return self._close_position("time_stop")
        if math.isfinite(levels[-1]) and levels[-1] != self.stop_level:
            self.stop_level = float(levels[-1])
            return self._protect()
        return []

    def _observe(self, exits: ExitInputs, lo: int, hi: int) -> None:
        """The range of exit closes [lo, hi) for the trade's MFE/MAE (one close, the usual
        case at an event, is read directly: a reduction over one element is that element)."""
        if hi - lo == 1:
            self.tracker.observe(exits.high.item(lo), exits.low.item(lo))
        else:
            self.tracker.observe(float(_MAX(exits.high[lo:hi])), float(_MIN(exits.low[lo:hi])))

    def _protect(self) -> list[Intent]:
        """Place or move the resting protective stop to ``stop_level``."""
        if not math.isfinite(self.stop_level) or self.qty == 0:
            return []
        side = Side.SELL if self.side > 0 else Side.BUY
        price = self.inst.round_price(self.stop_level, "down" if self.side > 0 else "up")
        if self.stop_id is None:
            self.stop_id = self.next_id("stop")
            self.stop_price = price
            return [Place(OrderRequest(self.stop_id, self.inst.symbol, side,
                                       OrderType.STOP_MARKET, self.qty, stop_price=price,
                                       reduce_only=True, tag="stop"), "protective stop")]
        if price == self.stop_price:
            return []
        self.stop_price = price
        return [Amend(self.stop_id, stop_price=price, reason="stop moved")]

    # ----------------------------------------------------------------- fills
    def on_fill(self, fill: Fill, order_done: bool = True) -> tuple[list[Intent], Trade | None]:
        """Account for a fill; ``order_done`` is False while its order is partially filled."""
        purpose = self.pending.get(fill.client_id, fill.tag)
        reason = _FILL_REASON.get(fill.tag, self.exit_reason or fill.tag)
        trade = self.tracker.on_fill(fill, reason, self.snapshot)
        signed = fill.qty * fill.side.sign
        new_qty = self.qty * self.side + signed
        intents: list[Intent] = []
        was_side = self.side
        self.side = 0 if new_qty == 0 else (1 if new_qty > 0 else -1)
        self.qty = abs(new_qty)
        if order_done:
            self.pending.pop(fill.client_id, None)
        if fill.client_id in (self.stop_id, self.target_id) and order_done:
            if fill.client_id == self.stop_id:
                self.stop_id, self.stop_price = None, None
            else:
                self.target_id = None
        if self.side == 0:
            intents += self._cancel_protection("position closed")
            self._reset_position()
            return intents, trade
        if was_side != self.side or purpose == "entry":
            if was_side != self.side:
                self._start_position(float(self.tracker.open.entry_price))  # type: ignore[union-attr]
                intents += self._cancel_protection("new position")
                if self.stop_rules and not math.isfinite(self.stop_level):
                    # the fill gapped past every stop level: never hold it unprotected
                    return intents + self._close_position("no_valid_stop"), trade
            intents += self._protect()
            intents += self._place_target()
        elif self.stop_id is not None:
            intents.append(Amend(self.stop_id, qty=self.qty, reason="position size changed"))
        return intents, trade

    def _start_position(self, entry: float) -> None:
        self.entry = entry
        self.bars_held = 0
        # each stop rule starts from its own valid level at the fill (NaN: none yet)
        levels = self._rule_levels(self.side, entry)
        self.rule_states = {k: RuleState(self.side, entry, self.latest_exit.atr, entry,
                                         levels.get(k, np.nan)) for k, _ in self.rules}
        finite = [x for x in levels.values() if math.isfinite(x)]
        self.stop_level = (np.nan if not finite else max(finite) if self.side > 0
                           else min(finite))
        self.exit_reason = ""

    def _place_target(self) -> list[Intent]:
        if not self.target_rules or self.target_id is not None:
            return []
        targets = [r.target(self.side, self.entry, self.latest_exit.atr)
                   for _, r in self.target_rules]
        finite = [t for t in targets if math.isfinite(t)]
        if not finite:
            return []
        level = min(finite) if self.side > 0 else max(finite)
        side = Side.SELL if self.side > 0 else Side.BUY
        price = self.inst.round_price(level, "up" if self.side > 0 else "down")
        self.target_id = self.next_id("target")
        return [Place(OrderRequest(self.target_id, self.inst.symbol, side, OrderType.LIMIT,
                                   self.qty, price=price, reduce_only=True, tag="target"),
                      "take profit")]

    def _reset_position(self) -> None:
        self.side = 0
        self.qty = ZERO
        self.entry = np.nan
        self.rule_states = {}
        self.stop_level = np.nan
        self.bars_held = 0
        self.exit_reason = ""
