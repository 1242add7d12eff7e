"""Causality of context inputs: a funding value moved later by one funding interval never
changes a decision, a fill or a funding payment before its original time (property test on
the real bundled 8h series and 1h perp candles), in the engine and in the whole backtest."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plutarc.backtest.data import load_candles, load_funding
from plutarc.backtest.instruments import generic_instrument
from plutarc.backtest.market_inputs import MarketInputs
from plutarc.backtest.runner import run_backtest
from plutarc.exchanges.sim.config import SimConfig
from plutarc.strategy.context import TimeSeries
from plutarc.strategy.engine import StrategyEngine
from plutarc.strategy.template_catalog import load_template

DATA = Path(__file__).resolve().parents[2] / "plutarc" / "data"
TEMPLATE = load_template(str(Path(__file__).parent / "templates" / "funding_contrarian.toml"))
BARS = load_candles(DATA / "BTCUSDT-perp1h.csv.gz", use_cache=False).bars
FUNDING = load_funding(DATA / "BTCUSDT_funding.csv")
INTERVAL_MS = 8 * 3_600_000
CONFIG = SimConfig(enforce_margin=False)


def _shifted(k: int) -> TimeSeries:
    """The series with value k (and, to stay ascending, every later one) an interval later."""
    ts = FUNDING.ts_ms.copy()
    ts[k:] += INTERVAL_MS
    return TimeSeries(ts, FUNDING.values.copy())


def _decisions(series: TimeSeries):  # noqa: ANN202
    engine = StrategyEngine(TEMPLATE, BARS.interval_ms)
    return engine.update(BARS, MarketInputs(series).context()).decisions


def _run(series: TimeSeries):  # noqa: ANN202
    inputs = MarketInputs(series)
    return run_backtest(TEMPLATE, BARS, generic_instrument("BTCUSDT"),
                        inputs.sim_config(CONFIG), Decimal(10_000), ctx=inputs.context())


BASE = _decisions(FUNDING)
BASE_RUN = _run(FUNDING)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=1, max_value=len(FUNDING.ts_ms) - 2))
def test_a_later_funding_value_changes_nothing_before_its_time(k: int) -> None:
    cut = int(FUNDING.ts_ms[k])
    moved = _shifted(k)
    dec = _decisions(moved)
    before = BASE.ts_ms < cut
    assert before.any()
    for name in ("score", "direction", "allowed"):
        np.testing.assert_array_equal(getattr(dec, name)[before], getattr(BASE, name)[before])
    outcome = _run(moved)
    fills = [(f.client_id, f.ts_ms, f.qty, f.price) for f in outcome.fills if f.ts_ms < cut]
    assert fills == [(f.client_id, f.ts_ms, f.qty, f.price) for f in BASE_RUN.fills
                     if f.ts_ms < cut]


def test_the_property_sees_real_decisions_and_a_shift_does_change_later_ones() -> None:
    assert int(np.count_nonzero(BASE.direction)) > 20 and len(BASE_RUN.fills) > 10
    k = len(FUNDING.ts_ms) // 2
    later = BASE.ts_ms >= int(FUNDING.ts_ms[k])
    assert not np.array_equal(_decisions(_shifted(k)).score[later], BASE.score[later])
