"""Bar-by-bar kernel on the sim engine (what a paper bot runs) == the backtest runner."""

from decimal import Decimal

import pytest

from plutarc.backtest.instruments import generic_instrument
from plutarc.backtest.runner import run_backtest
from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.intents import execute_intent, fill_completes_order
from plutarc.strategy.intents import Place
from plutarc.strategy.kernel import SymbolKernel
from plutarc.strategy.template_catalog import load_template
from tests.helpers import real_bars

TEMPLATES = ["rsi_divergence", "trend_following", "mean_reversion", "momentum_breakout",
             "scalp_1m", "reference_ema_cross"]


def _paper(template, bars, inst, config, cash):
    account = SimAccount({inst.settle: cash})
    sim = SimMatchingEngine(inst, config, account)
    kernel = SymbolKernel(template, inst, "bt", bars.interval_ms)
    trades = []

    def apply(intents, now):
        for it in intents:
            execute_intent(sim, it, now)

    for i in range(len(bars)):
        sim.append_bar(bars.candle(i))
        for fill in sim.process_bar(i):
            intents, trade = kernel.on_fill(fill, fill_completes_order(sim, fill))
            if trade:
                trades.append(trade)
            apply(intents, int(bars.ts_ms[i]))
        result = kernel.on_close(bars.slice(i, i + 1), float(account.equity(inst.settle)))
        apply(result.intents, int(bars.close_ts_ms[i]))
    return trades, account.equity(inst.settle)


@pytest.mark.parametrize("name", TEMPLATES)
def test_paper_kernel_equals_backtest(name):
    bars = real_bars(4 * 1440)
    template = load_template(name)
    inst = generic_instrument("BTCUSDT")
    config = SimConfig(enforce_margin=False)
    cash = Decimal(10_000)
    # the kernel loop above has no risk gate, so neither does the runner here (the gated
    # comparison is tests/daemon/test_risk_parity.py, against a real paper bot)
    outcome = run_backtest(template, bars, inst, config, cash, risk=None)
    paper_trades, paper_equity = _paper(template, bars, inst, config, cash)
    assert paper_trades == outcome.trades
    assert paper_equity == outcome.final_equity
    if name in ("scalp_1m", "reference_ema_cross", "trend_following"):
        assert len(outcome.trades) > 3


def test_paused_bot_manages_exits_but_never_opens_or_reverses():
    """With entries halted, an opposite signal closes the position and nothing new opens."""
    bars = real_bars(2 * 1440)
    inst = generic_instrument("BTCUSDT")
    template = load_template("reference_ema_cross")  # reverses on every opposite cross
    account = SimAccount({inst.settle: Decimal(10_000)})
    sim = SimMatchingEngine(inst, SimConfig(enforce_margin=False), account)
    kernel = SymbolKernel(template, inst, "p", bars.interval_ms)
    paused_from = None
    for i in range(len(bars)):
        sim.append_bar(bars.candle(i))
        for fill in sim.process_bar(i):
            intents, _ = kernel.on_fill(fill, fill_completes_order(sim, fill))
            for it in intents:
                execute_intent(sim, it, int(bars.ts_ms[i]))
        allowed = paused_from is None
        result = kernel.on_close(bars.slice(i, i + 1), 10_000.0, entries_allowed=allowed)
        for it in result.intents:
            if isinstance(it, Place) and not allowed:
                assert it.request.reduce_only, f"opened {it.request} while paused"
            execute_intent(sim, it, int(bars.close_ts_ms[i]))
        if paused_from is None and kernel.policy.side != 0 and i > 200:
            paused_from = i
    assert paused_from is not None
    assert kernel.policy.side == 0  # the opposite cross closed it; nothing reopened
    assert kernel.policy.tracker.open is None
