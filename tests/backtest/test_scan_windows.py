"""The runner's short first scan window is a speed-up only: with or without it, every
template gives the same fills, trades and equity (and SCAN_WINDOW_BARS likewise)."""

from decimal import Decimal

import pytest

from plutarc.backtest import runner
from plutarc.backtest.instruments import generic_instrument
from plutarc.exchanges.sim.config import SimConfig
from plutarc.strategy.template_catalog import load_template
from tests.helpers import real_bars

TEMPLATES = ["trend_following", "mean_reversion", "momentum_breakout", "scalp_1m",
             "reference_ema_cross"]


def _run(name, bars):
    inst = generic_instrument("BTCUSDT")
    out = runner.run_backtest(load_template(name), bars, inst, SimConfig(enforce_margin=False),
                              Decimal(10_000), risk=None)
    return out.fills, out.trades, out.final_equity, out.orders_sent


@pytest.mark.parametrize("name", TEMPLATES)
def test_scan_windows_change_nothing(name, monkeypatch):
    bars = real_bars(4 * 1440)
    default = _run(name, bars)
    monkeypatch.setattr(runner, "NEAR_WINDOW_BARS", 10**9)  # one long window only
    assert _run(name, bars) == default
    monkeypatch.setattr(runner, "NEAR_WINDOW_BARS", 1)
    monkeypatch.setattr(runner, "SCAN_WINDOW_BARS", 7)
    assert _run(name, bars) == default
    assert len(default[1]) > 0
