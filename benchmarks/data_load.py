"""Load time and peak memory of ``load_candles`` on a year of 1m BTCUSDT, cold and warm.

Each measurement runs in a fresh process, so peak RSS belongs to that phase alone:

    cold        parse the gzip'd CSV with pyarrow and write the binary cache
    warm        the same call again: arrays come from the cache
    warm-range  one month at 1h with 200 warm-up bars, from the cache
    cli         ``plutarc data inspect`` end to end (interpreter start included), cache warm

Run: /work/venv/bin/python benchmarks/data_load.py [FILE]
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
YEAR_FILE = REPO.parent / "shared/data/candles/binance-spot_BTCUSDT_1m/BTCUSDT-1m-2024.csv.gz"
REPEATS = 5


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # all threads: pyarrow parses in parallel
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _child(phase: str, path: str, cache_dir: str) -> None:
    started = time.perf_counter()
    from plutarc.backtest.data import load_candles

    import_s = time.perf_counter() - started
    baseline_mb = _peak_rss_mb()
    kwargs = {}
    if phase == "warm-range":
        kwargs = {"interval": "1h", "start": "2024-06-01", "end": "2024-07-01",
                  "warmup_bars": 200}
    started, cpu_started = time.perf_counter(), _cpu_s()
    loaded = load_candles(path, cache_dir=cache_dir, **kwargs)
    seconds, cpu_s = time.perf_counter() - started, _cpu_s() - cpu_started
    print(json.dumps({"seconds": seconds, "cpu_s": cpu_s, "import_s": import_s,
                      "rows": len(loaded.bars),
                      "cache": loaded.cache_status, "peak_rss_mb": _peak_rss_mb(),
                      "baseline_rss_mb": baseline_mb}))


def _run_child(phase: str, path: Path, cache_dir: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, str(path), str(cache_dir)],
                         check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(out.stdout)


def _cli_seconds(path: Path, home: Path) -> float:
    env = {**os.environ, "PLUTARC_HOME": str(home)}
    code = f"from plutarc.cli.main import run; run(['data', 'inspect', {str(path)!r}])"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env,
                   cwd=REPO)
    return time.perf_counter() - started


def main(path: Path) -> None:
    if not path.exists():
        print(f"skipped: {path} is absent (needs the shared data set)")
        return
    print(f"file: {path.name} ({path.stat().st_size / 1e6:.1f} MB gzip'd)")
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(tmp) / "cache"
        cold = _run_child("cold", path, cache_dir)
        warm = [_run_child("warm", path, cache_dir) for _ in range(REPEATS)]
        ranged = [_run_child("warm-range", path, cache_dir) for _ in range(REPEATS)]
        home = Path(tmp) / "home"
        _cli_seconds(path, home)  # fills the CLI's own cache
        cli = [_cli_seconds(path, home) for _ in range(REPEATS)]
    assert cold["cache"] == "absent" and all(w["cache"] == "hit" for w in warm + ranged)
    print(f"rows: {cold['rows']:,}; import of plutarc.backtest.data: {cold['import_s']:.3f} s")
    print(f"{'phase':<12}{'wall s':>10}{'cpu s':>10}{'peak RSS MB':>14}{'RSS before load':>18}")
    rows = [("cold", [cold]), ("warm", warm), ("warm-range", ranged)]
    for name, runs in rows:
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu_s"] for r in runs)
        peak = max(r["peak_rss_mb"] for r in runs)
        base = max(r["baseline_rss_mb"] for r in runs)
        print(f"{name:<12}{seconds:>10.3f}{cpu:>10.3f}{peak:>14.0f}{base:>18.0f}")
    print(f"{'cli inspect':<12}{statistics.median(cli):>10.3f}   (whole process, cache warm, "
          f"median of {REPEATS}; includes importing every CLI group)")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--phase":
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else YEAR_FILE)
