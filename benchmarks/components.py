"""Speed and memory of every catalog component over a year of 1m BTCUSDT, one batch each.

Each registered component (every kind) is built with its default parameters and fed the
whole year in one ``update`` call, as the backtester does: at 1m, or on the 1h resample
when it only runs hourly (funding and open-interest components, with no such data, so they
measure the no-data path). Prints per-component milliseconds, the total, evaluations per
second (bars/s) and the peak RSS. Target: under 2 s in total on one core.

Run: /work/venv/bin/python benchmarks/components.py [FILE]
"""

from __future__ import annotations

import os

# One core: keep any BLAS-backed numpy call from fanning out.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402

from plutarc.intervals import interval_ms  # noqa: E402
from plutarc.strategy.components.registry import catalog  # noqa: E402
from plutarc.strategy.context import MarketContext  # noqa: E402
from plutarc.strategy.series import Bars, resample  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
YEAR_FILE = REPO.parent / "shared/data/candles/binance-spot_BTCUSDT_1m/BTCUSDT-1m-2024.csv.gz"
TARGET_S = 2.0
COLUMNS = ["open_time", "open", "high", "low", "close", "volume"]


def load_year(path: Path) -> Bars:
    """Binance Vision 12-column headerless CSV (epoch-ms open times) as 1m bars."""
    names = [*COLUMNS, "close_time", "quote_volume", "trades", "taker_base", "taker_quote", "x"]
    types = {name: pa.float64() for name in COLUMNS[1:]} | {"open_time": pa.int64()}
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=names),
        convert_options=pacsv.ConvertOptions(include_columns=COLUMNS, column_types=types),
    )
    cols = [table.column(name).to_numpy() for name in COLUMNS]
    return Bars(60_000, cols[0].astype(np.int64), *(c.astype(np.float64) for c in cols[1:]))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main(path: Path) -> int:
    if not path.exists():
        print(f"skipped: {path} is absent (the shared year of 1m BTCUSDT is needed)")
        return 0
    started = time.perf_counter()
    minute = load_year(path)
    hourly = resample(minute, interval_ms("1h"))
    print(
        f"loaded {len(minute):,} 1m bars ({len(hourly):,} 1h) in "
        f"{time.perf_counter() - started:.2f} s; RSS after load {peak_rss_mb():.0f} MB"
    )
    ctx = MarketContext()  # no funding, OI or spread: those components take the no-data path
    rows = []
    for cid, cls in catalog().items():
        spec = cls.spec
        bars = minute if "1m" in spec.intervals else hourly
        params = {p.name: p.default for p in spec.params}
        t0 = time.perf_counter()
        component = cls(params)
        component.update(bars, ctx)
        rows.append((time.perf_counter() - t0, cid, spec.kind.value, len(bars)))
    total_s = sum(r[0] for r in rows)
    total_bars = sum(r[3] for r in rows)
    print(f"\n{'component':30s} {'kind':7s} {'bars':>8s} {'ms':>9s}")
    for seconds, cid, kind, n in sorted(rows, reverse=True):
        print(f"{cid:30s} {kind:7s} {n:8,d} {seconds * 1000:9.1f}")
    verdict = "within" if total_s <= TARGET_S else "OVER"
    print(
        f"\n{len(rows)} components, total {total_s:.3f} s ({verdict} the {TARGET_S:.0f} s target)"
    )
    print(f"evaluations: {total_bars:,} component-bars, {total_bars / total_s:,.0f} bars/s")
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else YEAR_FILE))
