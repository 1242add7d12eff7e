"""The reference backtest (../shared/bench/REFERENCE.md) through the real runner."""

import csv
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from plutarc.backtest.instruments import generic_instrument
from plutarc.backtest.runner import run_backtest
from plutarc.exchanges.sim.config import SimConfig
from plutarc.strategy.template import load_template_file
from tests.helpers import BTC_YEAR, REPO, SHARED_BENCH, need_shared, real_bars

TEMPLATE = REPO / "configs/templates/reference_ema_cross.toml"
SLICE = REPO / "tests/resources/reference-trades-first-14d.csv"


def _expected(path: Path, n_bars: int) -> list[tuple[int, int, float, int, float]]:
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        exit_bar = int(r["exit_bar"])
        if exit_bar == -1 or exit_bar >= n_bars:
            continue
        out.append((int(r["entry_bar"]), int(r["direction"]), float(r["entry_price"]), exit_bar,
                    float(r["exit_price"])))
    return out


def _run(bars):
    inst = generic_instrument("BTCUSDT", fee_taker=0.00075, fee_maker=0.00075)
    config = SimConfig(enforce_margin=False)
    # REFERENCE.md: "no cash or margin constraint is applied", so no bot risk gate either
    # (its max_leverage 3 would refuse the 1 BTC entries on 10,000 of cash)
    return run_backtest(load_template_file(TEMPLATE), bars, inst, config, Decimal(10_000),
                        risk=None)


def _as_rows(outcome, t0):
    rows = []
    for t in outcome.trades:
        rows.append(((t.entry_ts_ms - t0) // 60_000, t.direction.sign, float(t.entry_price),
                     (t.exit_ts_ms - t0) // 60_000, float(t.exit_price)))
    return rows


def _assert_same(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g[0] == w[0] and g[1] == w[1] and g[3] == w[3], (g, w)
        assert g[2] == pytest.approx(w[2], rel=1e-9) and g[4] == pytest.approx(w[4], rel=1e-9)


def test_reference_trade_list_on_bundled_slice():
    bars = real_bars()
    outcome = _run(bars)
    got = _as_rows(outcome, int(bars.ts_ms[0]))
    want = _expected(SLICE, len(bars))
    _assert_same([g for g in got if g[3] < len(bars)], want)
    # the stop-outs in this slice are reproduced at their stop prices
    assert any(t.exit_reason == "stop" for t in outcome.trades) or all(
        abs(w[4] - w[2]) / w[2] < 0.0199 for w in want)


@pytest.mark.slow
def test_reference_full_year_exact():
    need_shared(BTC_YEAR)
    from plutarc.backtest.data import load_candles

    bars = load_candles(BTC_YEAR).bars
    outcome = _run(bars)
    got = _as_rows(outcome, int(bars.ts_ms[0]))
    want = _expected(SHARED_BENCH / "reference-trades-BTCUSDT-1m-2024.csv", len(bars))
    _assert_same([g for g in got if g[3] < len(bars)], want)
    opened = len(outcome.trades) + (1 if outcome.final_equity is not None else 0)
    assert opened == 10_940
    assert float(outcome.final_equity) == pytest.approx(-1_078_891.6009, abs=1e-3)
    assert np.isfinite(float(outcome.final_equity))
