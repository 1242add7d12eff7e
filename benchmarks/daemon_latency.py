"""Candle close -> order handed to the sim venue, p50/p99, with 20 paper bots at max speed.

``--notify-slow``: the same with notifications on, every kind (fills included) routed to
a channel answering after 2 s and to one that never answers (benchmarks/notify_load.py).

The window is wall-clock time on a shared machine: the load average printed beside the
figures says how many other runnable processes could preempt the daemon meanwhile
(benchmarks/kernel_on_close.py gives the kernel's own CPU time per bar).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notify_load import SlowChannels  # noqa: E402
from paper_fleet import run_fleet  # noqa: E402

BOTS, BARS = 20, 1440


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notify-slow", action="store_true", help="with notifications to "
                        "a slow (2 s) and a dead channel")
    if parser.parse_args().notify_slow:
        measure(False, notify=True)
        return
    for fsync in (False, True):
        measure(fsync)


def measure(fsync: bool, notify: bool = False) -> None:
    latencies: list[float] = []
    attach = SlowChannels().attach if notify else None
    elapsed, store = asyncio.run(run_fleet(BOTS, BARS, latencies, fsync=fsync, attach=attach))
    load = os.getloadavg()[0]
    print(f"journal_fsync = {str(fsync).lower()}" + (", notifications to a 2 s channel and a "
          "dead one" if notify else "") + f" (machine load average {load:.2f} "
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
