"""Sweep throughput: variants per minute for trend_following over one year of 1m candles,
serially and on the local process pool (both cores), and with ``--dask`` on a local Dask
cluster of 1 then 2 workers, through ``plutarc.research.sweep`` (the same path as
``plutarc research sweep``); the data is loaded once, before the clocks start.

    python benchmarks/sweep.py [--data FILE] [--variants 24] [--workers 2] [--dask]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared/data/candles/binance-spot_BTCUSDT_1m/BTCUSDT-1m-2024.csv.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--variants", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask", action="store_true", help="also a LocalCluster, 1 and 2 "
                        "workers (needs plutarc[cluster])")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"skipped: {args.data} is absent (one year of BTCUSDT 1m candles)")
        return 0
    sys.path.insert(0, str(REPO))
    from plutarc.backtest.request import BacktestRequest
    from plutarc.backtest.service import prepare
    from plutarc.research.store import ResearchStore
    from plutarc.research.sweep import SweepSpec, run_sweep

    request = BacktestRequest(template="trend_following", data=str(args.data))
    started = time.perf_counter()
    prep = prepare(request)
    print(f"load: {time.perf_counter() - started:.2f} s, {len(prep.loaded.bars):,} bars")
    periods = 20 + 5 * (args.variants // 2 - 1)
    params = (f"price_vs_ema.period=20:{periods}:5", "stop.stop_pct=2,3")
    for workers in (1, args.workers):
        with tempfile.TemporaryDirectory() as tmp:
            spec = SweepSpec(request, params, min_trades=1)
            started = time.perf_counter()
            report = run_sweep(spec, ResearchStore(Path(tmp) / "r.db"), workers=workers,
                               prep=prep)
            took = time.perf_counter() - started
        n = report.computed
        print(f"workers={workers}: {n} variants in {took:.1f} s = {n / took * 60:.0f} "
              "variants/min (pool start-up included)")
    if args.dask:
        from distributed import LocalCluster

        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1,
                              dashboard_address=None) as cluster, \
                    tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                report = run_sweep(SweepSpec(request, params, min_trades=1),
                                   ResearchStore(Path(tmp) / "r.db"), prep=prep,
                                   cluster=cluster.scheduler_address)
                took = time.perf_counter() - started
            print(f"dask workers={workers}: {report.computed} variants in {took:.1f} s = "
                  f"{report.computed / took * 60:.0f} variants/min (data scattered once)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
