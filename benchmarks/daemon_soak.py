"""20 paper bots over 7 simulated days at max speed: throughput, peak RSS and its trend."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paper_fleet import rss_mb, run_fleet  # noqa: E402

BOTS, BARS = 20, 7 * 1440


def main() -> None:
    samples: list[tuple[float, float]] = []
    start_rss = rss_mb()
    elapsed, store = asyncio.run(run_fleet(BOTS, BARS, rss=samples))
    t, mb = np.array(samples).T
    half = len(mb) // 2
    slope = np.polyfit(t[half:], mb[half:], 1)[0] * 60 if half > 2 else float("nan")
    trades = len(store.trades.query(limit=10_000))
    print(f"{BOTS} paper bots x {BARS} candles (7 days) in {elapsed:.1f} s "
          f"({BOTS * BARS / elapsed:,.0f} candles/s), {trades} trades")
    print(f"RSS: {start_rss:.0f} MB before, peak {mb.max():.0f} MB, "
          f"first half mean {mb[:half].mean():.0f} MB, second half mean {mb[half:].mean():.0f} MB, "
          f"second-half trend {slope:+.1f} MB/min")


if __name__ == "__main__":
    main()
