"""Sweeps: grid/random/Optuna over template parameters, stored, resumable, pool == serial,
and the best variant re-run alone as a plain backtest gives the same metrics."""

import json

import pytest

from plutarc.backtest.request import BacktestRequest
from plutarc.backtest.service import run_request
from plutarc.backtest.store import ResultsStore
from plutarc.errors import UsageError
from plutarc.research.space import apply_variant
from plutarc.research.store import ResearchStore
from plutarc.research.sweep import SweepSpec, run_sweep
from plutarc.strategy.template import template_to_toml
from plutarc.strategy.template_catalog import load_template
from tests.helpers import BTC_1M

# A start after the first bar: the warm-up differs by variant, so trimming it must match a
# lone run's loading exactly.
REQ = BacktestRequest(template="trend_following", data=str(BTC_1M), start="2024-01-05",
                      end="2024-01-12")
PARAMS = ("price_vs_ema.period=20:40:20", "stop.stop_pct=1.5,2", "threshold=0.3,1.5")


def _json(value):
    return json.loads(json.dumps(value, default=str))


def test_grid_skips_invalid_with_message_and_best_reruns_identically(tmp_path):
    store = ResearchStore(tmp_path / "r.db")
    report = run_sweep(SweepSpec(REQ, PARAMS, min_trades=1), store, workers=1)
    assert report.total == len(report.rows) == 8 and report.computed == 4
    invalid = [r for r in report.rows if r.status == "invalid"]
    assert len(invalid) == 4 and all(r.params["threshold"] == 1.5 for r in invalid)
    assert all("threshold" in r.message and "1" in r.message for r in invalid)
    ok = [r for r in report.rows if r.status == "ok"]
    assert all(len(r.data_fingerprint) == 64 and len(r.template_hash) == 16 for r in ok)
    assert len({r.data_fingerprint for r in ok}) == 2  # period 20 vs 40: their own warm-ups
    best = report.best
    assert best is not None and best.score == max(r.score for r in ok)
    # the best variant as a template file, run alone by the plain backtest path
    path = tmp_path / "best.toml"
    path.write_text(template_to_toml(apply_variant(load_template("trend_following"),
                                                   best.params)))
    alone = run_request(REQ.model_copy(update={"template": str(path)}),
                        ResultsStore(tmp_path / "bt.db"))
    assert _json(alone.metrics.to_dict()) == best.metrics
    assert alone.summary()["trades"] == best.metrics["trades"]


def test_pool_gives_the_serial_results_and_a_rerun_computes_nothing(tmp_path):
    serial = run_sweep(SweepSpec(REQ, PARAMS, min_trades=1), ResearchStore(tmp_path / "s.db"),
                       workers=1)
    pool_store = ResearchStore(tmp_path / "p.db")
    seen = []
    pooled = run_sweep(SweepSpec(REQ, PARAMS, min_trades=1), pool_store, workers=2,
                       progress=lambda d, t, eta: seen.append((d, t)))
    assert [(r.params, r.metrics, r.score) for r in pooled.rows] == [
        (r.params, r.metrics, r.score) for r in serial.rows]
    assert seen[-1] == (8, 8)
    again = run_sweep(SweepSpec(REQ, PARAMS, min_trades=1), pool_store, workers=2)
    assert again.resumed and again.computed == 0 and again.sweep_id == pooled.sweep_id


def test_random_is_seeded_and_distinct(tmp_path):
    spec = SweepSpec(REQ, ("price_vs_ema.period=10:60:5", "stop.stop_pct=1,1.5,2"), "random",
                     3, seed=7, min_trades=1)
    a = run_sweep(spec, ResearchStore(tmp_path / "a.db"), workers=1)
    b = run_sweep(spec, ResearchStore(tmp_path / "b.db"), workers=1)
    assert [r.params for r in a.rows] == [r.params for r in b.rows]
    assert len({json.dumps(r.params, sort_keys=True) for r in a.rows}) == 3


def test_optuna_runs_n_variants_and_resumes_from_the_stored_ones(tmp_path):
    pytest.importorskip("optuna")
    store = ResearchStore(tmp_path / "o.db")
    spec = SweepSpec(REQ, ("price_vs_ema.period=10:60:10", "stop.stop_pct=1,2"), "optuna", 3,
                     seed=1, min_trades=1)
    first = run_sweep(spec, store, workers=1)
    assert len(first.rows) == 3 == first.computed
    more = SweepSpec(REQ, spec.params, "optuna", 3, seed=1, min_trades=1)
    again = run_sweep(more, store, workers=1)
    assert again.resumed and again.computed == 0


@pytest.mark.parametrize(("param", "message"), [
    ("price_vs_ema.perod=10:20:5", "did you mean 'period'"),
    ("nosuch.period=1,2", "no component 'nosuch'"),
    ("price_vs_ema.period=20:10:5", "LO <= HI"),
    ("price_vs_ema.period", "NAME=LO:HI:STEP"),
])
def test_bad_params_are_refused_with_one_clear_error(tmp_path, param, message):
    store = ResearchStore(tmp_path / "r.db")
    with pytest.raises(UsageError, match=message):
        run_sweep(SweepSpec(REQ, (param,)), store, workers=1)
    assert store.sweeps() == []
