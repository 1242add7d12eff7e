"""One bot's per-bar cost: SymbolKernel.on_close per closed 1m candle, per system template.

Replays the bundled BTCUSDT candles bar by bar as a paper bot does (a kernel warmed on a
day, then one day measured), and prints p50/p99/max of on_close (wall clock, and this
thread's CPU time, which other processes on the machine do not inflate) and the p50 of the
engine update alone.

    python benchmarks/kernel_on_close.py [--warm 1440] [--bars 1440] [--profile TEMPLATE]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np

from plutarc.backtest.data import load_candles
from plutarc.daemon.paper.legs import make_instrument
from plutarc.daemon.paper.replay import DEFAULT_FILES
from plutarc.strategy.kernel import SymbolKernel
from plutarc.strategy.template_catalog import load_template
from plutarc.strategy.template_validation import validate_template

TEMPLATES = ("scalp_1m", "trend_following", "mean_reversion", "momentum_breakout",
             "rsi_divergence", "reference_ema_cross")


def kernel_for(name: str, interval_ms: int) -> SymbolKernel:
    template = load_template(name)
    return SymbolKernel(template, make_instrument("BTCUSDT"), "bench-BTCUSDT", interval_ms,
                        validate_template(template))


def measure(name: str, bars, warm: int, count: int) -> tuple[np.ndarray, ...]:
    """Per-bar seconds of on_close (wall, CPU) and of engine.update, after ``warm`` bars."""
    kernel = kernel_for(name, bars.interval_ms)
    for j in range(warm):
        kernel.on_close(bars.slice(j, j + 1), 10_000.0)
    close_s, cpu_s, engine_s = [], [], []
    shadow = kernel_for(name, bars.interval_ms)  # engine alone, same bars
    shadow.engine.update(bars.slice(0, warm))
    for j in range(warm, warm + count):
        bar = bars.slice(j, j + 1)
        c, t = time.thread_time(), time.perf_counter()
        kernel.on_close(bar, 10_000.0)
        close_s.append(time.perf_counter() - t)
        cpu_s.append(time.thread_time() - c)
        t = time.perf_counter()
        shadow.engine.update(bar)
        engine_s.append(time.perf_counter() - t)
    return np.array(close_s), np.array(cpu_s), np.array(engine_s)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm", type=int, default=1440)
    parser.add_argument("--bars", type=int, default=1440)
    parser.add_argument("--profile", default=None, help="cProfile one template instead")
    args = parser.parse_args()
    bars = load_candles(DEFAULT_FILES["BTCUSDT"]).bars
    if args.profile:
        kernel = kernel_for(args.profile, bars.interval_ms)
        kernel.engine.update(bars.slice(0, args.warm))
        prof = cProfile.Profile()
        prof.enable()
        for j in range(args.warm, args.warm + args.bars):
            kernel.on_close(bars.slice(j, j + 1), 10_000.0)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        return
    print(f"per closed 1m bar, {args.bars} bars after {args.warm} warm-up bars (us):")
    for name in TEMPLATES:
        c, u, e = (a * 1e6 for a in measure(name, bars, args.warm, args.bars))
        print(f"{name:20s} on_close p50 {np.percentile(c, 50):5.0f} p99 "
              f"{np.percentile(c, 99):5.0f} max {c.max():6.0f} | CPU p50 "
              f"{np.percentile(u, 50):5.0f} p99 {np.percentile(u, 99):5.0f} | engine.update "
              f"p50 {np.percentile(e, 50):5.0f}")


if __name__ == "__main__":
    main()
