"""Backtest speed: bars/s end to end (indicators included) for the reference template,
trend_following and rsi_divergence over one year of 1m candles, in-process and as a whole
``plutarc backtest run`` command, with peak RSS.

    python benchmarks/backtest_speed.py [--data FILE] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared/data/candles/binance-spot_BTCUSDT_1m/BTCUSDT-1m-2024.csv.gz"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_process(data: Path, templates: list[str], repeat: int) -> None:
    from plutarc.backtest.data import load_candles
    from plutarc.backtest.instruments import generic_instrument
    from plutarc.backtest.runner import run_backtest
    from plutarc.exchanges.sim.config import SimConfig
    from plutarc.strategy.template_catalog import load_template

    t = time.perf_counter()
    bars = load_candles(data).bars
    print(f"load {len(bars):,} bars: {time.perf_counter() - t:.3f} s (cache warm after 1st)")
    inst = generic_instrument("BTCUSDT", fee_taker=0.00075, fee_maker=0.00075)
    for name in templates:
        template = load_template(name)
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            # REFERENCE.md: no cash or margin constraint, so no bot risk gate either
            out = run_backtest(template, bars, inst, SimConfig(enforce_margin=False),
                               Decimal(10_000), risk=None)
            best = min(best, time.perf_counter() - t)
        print(f"{name:22s} in-process: {best:.3f} s  {len(bars) / best:>12,.0f} bars/s  "
              f"trades {len(out.trades):,}  orders {out.orders_sent:,}")
    print(f"peak RSS (in-process): {peak_rss_mb():.0f} MB")


def whole_command(data: Path, template: str, repeat: int) -> None:
    exe = Path(sys.executable).with_name("plutarc")
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, PLUTARC_HOME=home)
        args = [str(exe), "backtest", "run", template, "--data", str(data), "--fee-taker",
                "0.00075", "--no-margin", "--no-risk-limits", "--json"]
        subprocess.run(args, env=env, check=True, capture_output=True)  # warms the data cache
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run(args, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"whole command ({template}): best {min(times):.3f} s of {repeat}; "
          f"peak child RSS {usage.ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"skipped: {args.data} is absent (needs ../shared/data)")
        return
    in_process(args.data, ["reference_ema_cross", "trend_following", "rsi_divergence"],
               args.repeat)
    whole_command(args.data, "reference_ema_cross", args.repeat)


if __name__ == "__main__":
    main()
