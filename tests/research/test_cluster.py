"""--cluster: the same sweep on a local Dask cluster (started here) gives the serial results."""

import pytest

from plutarc.backtest.request import BacktestRequest
from plutarc.errors import UsageError
from plutarc.research import backends
from plutarc.research.store import ResearchStore
from plutarc.research.sweep import SweepSpec, run_sweep
from tests.helpers import BTC_1M

REQ = BacktestRequest(template="trend_following", data=str(BTC_1M), start="2024-01-05",
                      end="2024-01-10")
PARAMS = ("price_vs_ema.period=20:40:20", "stop.stop_pct=1.5,2")


def test_local_dask_cluster_matches_serial(tmp_path):
    distributed = pytest.importorskip("distributed")
    serial = run_sweep(SweepSpec(REQ, PARAMS, min_trades=1), ResearchStore(tmp_path / "s.db"),
                       workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = run_sweep(SweepSpec(REQ, PARAMS, min_trades=1),
                           ResearchStore(tmp_path / "c.db"), cluster=cluster.scheduler_address)
    assert remote.computed == 4
    assert [(r.params, r.metrics, r.score) for r in remote.rows] == [
        (r.params, r.metrics, r.score) for r in serial.rows]


def test_unreachable_cluster_is_one_clear_error(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(backends, "CONNECT_TIMEOUT_S", 1)
    store = ResearchStore(tmp_path / "r.db")
    with pytest.raises(UsageError, match="cannot reach the scheduler"):
        run_sweep(SweepSpec(REQ, PARAMS, min_trades=1), store, cluster="tcp://127.0.0.1:9")


def test_scattered_data_is_copied_aligned_once_per_worker():
    """Dask can hand a worker arrays that sit unaligned in its network buffers; numpy then
    copies the whole array on every searchsorted (a run took 10x longer). The worker keeps
    one aligned copy of what it received and reuses it."""
    from dataclasses import replace

    import numpy as np

    from plutarc.backtest.service import prepare
    from plutarc.research import evaluate

    prep = prepare(REQ)
    bars = prep.loaded.bars
    raw = b"\0" + bars.ts_ms.astype("<i8").tobytes()
    unaligned = np.frombuffer(raw, dtype="<i8", offset=1)
    assert not unaligned.flags.aligned
    skewed = replace(prep, loaded=replace(prep.loaded, bars=replace(bars, ts_ms=unaligned)))
    first = evaluate.evaluate_scattered(skewed, prep.template)
    copy = evaluate._SCATTERED[1]
    assert copy.loaded.bars.ts_ms.flags.aligned
    assert evaluate.evaluate_scattered(skewed, prep.template)["metrics"] == first["metrics"]
    assert evaluate._SCATTERED[1] is copy  # made once
    assert first["metrics"] == evaluate.evaluate_safely(prep, prep.template)["metrics"]
