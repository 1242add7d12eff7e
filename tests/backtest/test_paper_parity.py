"""Bar-by-bar kernel on the sim engine (what a paper bot runs) == the backtest runner."""

from decimal import Decimal

import pytest

from plutarc.backtest.instruments import generic_instrument
from plutarc.backtest.runner import run_backtest
from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.models import OrderStatus
from plutarc.strategy.intents import Amend, Cancel, Place
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
            if isinstance(it, Place):
                sim.submit(it.request, now)
            elif isinstance(it, Amend):
                sim.amend(it.client_id, qty=it.qty, stop_price=it.stop_price, now_ms=now)
            elif isinstance(it, Cancel):
                order = sim.order(it.client_id)
                if order is not None and order.status.is_open:
                    sim.cancel(it.client_id, now)

    for i in range(len(bars)):
        sim.append_bar(bars.candle(i))
        for fill in sim.process_bar(i):
            order = sim.order(fill.client_id)
            intents, trade = kernel.on_fill(fill, order.status is not OrderStatus.PARTIALLY_FILLED)
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
    outcome = run_backtest(template, bars, inst, config, cash)
    paper_trades, paper_equity = _paper(template, bars, inst, config, cash)
    assert paper_trades == outcome.trades
    assert paper_equity == outcome.final_equity
    if name in ("scalp_1m", "reference_ema_cross", "trend_following"):
        assert len(outcome.trades) > 3
