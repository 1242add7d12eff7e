"""Speed of every indicator's batch update over a year of 1m BTCUSDT, and its per-bar cost.

For each indicator (default parameters unless noted): the best and median of REPEATS
fresh instances each computing the whole year in one call, bars per second, and the
microseconds per ``update`` when fed one bar at a time (the live path). Ends with peak RSS.

Run: /work/venv/bin/python benchmarks/indicators.py [FILE]
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import plutarc.strategy.indicators as ind

REPO = Path(__file__).resolve().parents[1]
YEAR_FILE = REPO.parent / "shared/data/candles/binance-spot_BTCUSDT_1m/BTCUSDT-1m-2024.csv.gz"
REPEATS = 7
STEP_BARS = 2_000

HLC = ("high", "low", "close")
CASES: list[tuple[str, Callable[[], object], tuple[str, ...]]] = [
    ("EMA(20)", lambda: ind.EMA(20), ("close",)),
    ("SMA(20)", lambda: ind.SMA(20), ("close",)),
    ("SMA(200)", lambda: ind.SMA(200), ("close",)),
    ("WMA(20)", lambda: ind.WMA(20), ("close",)),
    ("RSI(14)", ind.RSI, ("close",)),
    ("TrueRange", ind.TrueRange, HLC),
    ("ATR(14)", ind.ATR, HLC),
    ("ADX(14)", ind.ADX, HLC),
    ("Bollinger(20,2)", ind.Bollinger, ("close",)),
    ("Keltner(20,2,10)", ind.Keltner, HLC),
    ("Donchian(20)", ind.Donchian, ("high", "low")),
    ("MACD(12,26,9)", ind.MACD, ("close",)),
    ("Stochastic(14,3,3)", ind.Stochastic, HLC),
    ("CCI(20)", ind.CCI, HLC),
    ("Choppiness(14)", ind.Choppiness, HLC),
    ("RealizedVol(30)", lambda: ind.RealizedVol(30), ("close",)),
    ("ZScore(20)", lambda: ind.ZScore(20), ("close",)),
    ("VWAP(1d)", ind.VWAP, ("ts_ms", *HLC, "volume")),
    ("OBV", ind.OBV, ("close", "volume")),
    ("Supertrend(10,3)", ind.Supertrend, HLC),
    ("Swings(5,5)", ind.Swings, ("high", "low")),
    ("ROC(10)", lambda: ind.ROC(10), ("close",)),
    ("Slope(20)", lambda: ind.Slope(20), ("close",)),
]


def load(path: Path) -> dict[str, np.ndarray]:
    """Binance Vision 12-column headerless klines: the first six columns."""
    table = pd.read_csv(path, header=None, usecols=range(6)).to_numpy(np.float64)
    names = ("ts_ms", "open", "high", "low", "close", "volume")
    cols = {name: np.ascontiguousarray(table[:, i]) for i, name in enumerate(names)}
    cols["ts_ms"] = cols["ts_ms"].astype(np.int64)
    return cols


def time_batch(factory: Callable[[], object], args: list[np.ndarray]) -> list[float]:
    factory().update(*args)  # type: ignore[attr-defined]  # first touch of the code paths
    seconds = []
    for _ in range(REPEATS):
        indicator = factory()
        started = time.perf_counter()
        indicator.update(*args)  # type: ignore[attr-defined]
        seconds.append(time.perf_counter() - started)
    return seconds


def time_step(factory: Callable[[], object], args: list[np.ndarray]) -> float:
    indicator = factory()
    bars = [[a[i : i + 1] for a in args] for i in range(STEP_BARS)]
    started = time.perf_counter()
    for bar in bars:
        indicator.update(*bar)  # type: ignore[attr-defined]
    return (time.perf_counter() - started) / STEP_BARS


def _hugepage_madvise() -> str:
    # With transparent hugepages in "madvise" mode and direct-compaction defrag, numpy's
    # hugepage advice makes every fresh large array slow to fault in; worth knowing here.
    env = os.environ.get("NUMPY_MADVISE_HUGEPAGE")
    return "default (on)" if env is None else ("off" if env == "0" else "on")


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else YEAR_FILE
    if not path.exists():
        print(f"skipped: needs the shared year of 1m candles ({path} is absent)")
        return
    data = load(path)
    bars = data["close"].size
    print(f"{bars:,} bars from {path.name}; best and median of {REPEATS} batch runs")
    print(f"numpy hugepage madvise: {_hugepage_madvise()} (NUMPY_MADVISE_HUGEPAGE)\n")
    print(f"{'indicator':<20}{'best ms':>9}{'median ms':>11}{'Mbars/s':>9}{'us/bar step':>13}")
    total_best = 0.0
    for name, factory, columns in CASES:
        args = [data[c] for c in columns]
        runs = time_batch(factory, args)
        best, median = min(runs), statistics.median(runs)
        total_best += best
        step = time_step(factory, args)
        print(
            f"{name:<20}{best * 1e3:>9.1f}{median * 1e3:>11.1f}"
            f"{bars / best / 1e6:>9.1f}{step * 1e6:>13.1f}"
        )
    print(f"{'all, sum of best':<20}{total_best * 1e3:>9.1f}")
    # A backtest keeps every output, so each one lands in fresh memory: page faults count.
    kept = []
    started = time.perf_counter()
    for _, factory, columns in CASES:
        kept.append(factory().update(*(data[c] for c in columns)))  # type: ignore[attr-defined]
    kept_s = time.perf_counter() - started
    print(f"{'all, outputs kept':<20}{kept_s * 1e3:>9.1f}   (one pass, every output retained)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"\npeak RSS {peak_mb:.0f} MB (the year's OHLCV itself is {6 * bars * 8 / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
