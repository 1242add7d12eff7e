"""The position policy's exit preview equals the plain rule-by-rule fold it replaced (skipping
rules with nothing to preview and building each view once must not change a single value)."""

from decimal import Decimal

import numpy as np
import pytest

from plutarc.backtest.instruments import generic_instrument
from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.intents import execute_intent, fill_completes_order
from plutarc.strategy.components.base import Output
from plutarc.strategy.components.exits.base import ExitView, ratchet
from plutarc.strategy.engine import StrategyEngine
from plutarc.strategy.kernel import SymbolKernel
from plutarc.strategy.template_catalog import load_template
from tests.helpers import real_bars

# the shipped templates that hold positions in these four days (rsi_divergence holds none)
TEMPLATES = ["trend_following", "mean_reversion", "momentum_breakout", "scalp_1m",
             "reference_ema_cross"]


def _old_ratchet(side, previous, levels):
    """The ratchet as first written (NaN and infinities mapped through +-inf by hand)."""
    if side > 0:
        filled = np.where(np.isnan(levels), -np.inf, levels)
        out = np.maximum.accumulate(np.maximum(filled, -np.inf if np.isnan(previous) else previous))
        return np.where(np.isinf(out), np.nan, out)
    filled = np.where(np.isnan(levels), np.inf, levels)
    out = np.minimum.accumulate(np.minimum(filled, np.inf if np.isnan(previous) else previous))
    return np.where(np.isinf(out), np.nan, out)


def test_ratchet_equals_the_first_ratchet_on_nan_and_infinite_levels():
    rng = np.random.default_rng(7)
    for _ in range(2000):
        n = int(rng.integers(1, 12))
        levels = rng.choice([np.nan, np.inf, -np.inf, 1.0, 2.0, 3.0, 2.5], size=n)
        for side in (1, -1):
            for previous in (np.nan, np.inf, -np.inf, 2.0):
                np.testing.assert_array_equal(ratchet(side, previous, levels),
                                              _old_ratchet(side, previous, levels))


def _fold(policy, exits, lo, hi):
    """Every rule's path over [lo, hi), folded into one stop path, as the policy first did."""
    n = hi - lo
    held = policy.bars_held + np.arange(1, n + 1)
    combined = np.full(n, np.nan)
    flags = np.zeros(n, dtype=bool)
    states = {}
    for key, rule in policy.rules:
        own = exits.extras[key]
        view = ExitView(exits.high[lo:hi], exits.low[lo:hi], exits.close[lo:hi],
                        exits.atr[lo:hi], Output(own.value[lo:hi], own.score[lo:hi]
                                                 if own.score is not None else None), held)
        res = rule.path(policy.rule_states[key], view)
        states[key] = res.state
        if res.stop is not None:
            combined = (np.fmax if policy.side > 0 else np.fmin)(combined, res.stop)
        if res.close_now is not None:
            flags |= res.close_now
    return _old_ratchet(policy.side, policy.stop_level, combined), flags, states


@pytest.mark.parametrize("name", TEMPLATES)
def test_preview_equals_the_rule_by_rule_fold(name):
    bars = real_bars(4 * 1440)
    template = load_template(name)
    inst = generic_instrument("BTCUSDT")
    exits = StrategyEngine(template, bars.interval_ms).update(bars).exits
    account = SimAccount({inst.settle: Decimal(10_000)})
    sim = SimMatchingEngine(inst, SimConfig(enforce_margin=False), account)
    kernel = SymbolKernel(template, inst, "t", bars.interval_ms)
    compared = 0
    for i in range(len(bars)):
        sim.append_bar(bars.candle(i))
        for fill in sim.process_bar(i):
            intents, _ = kernel.on_fill(fill, fill_completes_order(sim, fill))
            for it in intents:
                execute_intent(sim, it, int(bars.ts_ms[i]))
        policy = kernel.policy
        if policy.side != 0 and policy.rule_states:
            lo = int(np.searchsorted(exits.close_ts_ms, bars.close_ts_ms[i], side="right"))
            for hi in (min(lo + 1, len(exits)), min(lo + 97, len(exits))):
                if hi <= lo:
                    continue
                got, want = policy.preview_exits(exits, lo, hi), _fold(policy, exits, lo, hi)
                np.testing.assert_array_equal(got[0], want[0])
                np.testing.assert_array_equal(got[1], want[1])
                # repr: NaN-aware and exact (floats print their shortest round-trip form)
                assert {k: repr(s) for k, s in got[2].items()} == {
                    k: repr(s) for k, s in want[2].items()}
                compared += 1
        result = kernel.on_close(bars.slice(i, i + 1), float(account.equity(inst.settle)))
        for it in result.intents:
            execute_intent(sim, it, int(bars.close_ts_ms[i]))
    assert compared > 1000
