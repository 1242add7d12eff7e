"""Candle close -> order handed to the sim venue, p50/p99, with 20 paper bots at max speed.

The window is wall-clock time on a shared machine: the load average printed beside the
figures says how many other runnable processes could preempt the daemon meanwhile
(benchmarks/kernel_on_close.py gives the kernel's own CPU time per bar).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paper_fleet import run_fleet  # noqa: E402

BOTS, BARS = 20, 1440


def main() -> None:
    for fsync in (False, True):
        measure(fsync)


def measure(fsync: bool) -> None:
    latencies: list[float] = []
    elapsed, store = asyncio.run(run_fleet(BOTS, BARS, latencies, fsync=fsync))
    load = os.getloadavg()[0]
    print(f"journal_fsync = {str(fsync).lower()} (machine load average {load:.2f} "
          f"on {os.cpu_count()} cores):")
    ms = np.array(latencies) * 1000
    orders = len(store.orders.query(limit=10_000))
    print(f"{BOTS} paper bots x {BARS} candles in {elapsed:.1f} s "
          f"({BOTS * BARS / elapsed:,.0f} candles/s), {orders} orders journaled")
    print(f"candle close -> order handed to the venue over {len(ms)} orders: "
          f"p50 {np.percentile(ms, 50):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, "
          f"max {ms.max():.2f} ms")


if __name__ == "__main__":
    main()
