"""20 paper bots over 7 simulated days at max speed: throughput, peak RSS and its trend.

The trend is fitted over the second half of the replay against simulated time (MB per
simulated day, the figure that says whether memory grows with how long bots run) and
against wall time (MB/min). ``--days 14`` replays all of the bundled data.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paper_fleet import rss_mb, run_fleet  # noqa: E402

DAY = 1440  # 1m candles
BUNDLED_DAYS = 14


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=20)
    parser.add_argument("--days", type=int, default=7, choices=range(2, BUNDLED_DAYS + 1),
                        metavar=f"2..{BUNDLED_DAYS}")
    args = parser.parse_args()
    bars = args.days * DAY
    rss: list[tuple[float, float]] = []
    progress: list[tuple[float, int]] = []
    start_rss = rss_mb()
    elapsed, store = asyncio.run(run_fleet(args.bots, bars, rss=rss, progress=progress))
    trades = store.db.execute("SELECT COUNT(*) FROM trades").fetchone()[0]
    store.close()
    shutil.rmtree(Path(store.db.path).parent, ignore_errors=True)
    t, mb = np.array(rss).T
    days = np.array([done for _, done in progress]) / DAY
    print(f"{args.bots} paper bots x {bars} candles ({args.days} days) in {elapsed:.1f} s "
          f"({args.bots * bars / elapsed:,.0f} candles/s), {trades} trades")
    half = days >= args.days / 2
    per_day = per_min = float("nan")
    if half.sum() > 2 and np.ptp(days[half]) > 0:
        per_day = np.polyfit(days[half], mb[half], 1)[0]
        per_min = np.polyfit(t[half], mb[half], 1)[0] * 60
    print(f"RSS: {start_rss:.0f} MB before, peak {mb.max():.0f} MB, "
          f"first half mean {mb[~half].mean():.0f} MB, second half mean {mb[half].mean():.0f} MB, "
          f"second-half trend {per_day:+.2f} MB/simulated day ({per_min:+.1f} MB/min over "
          f"{np.ptp(t[half]):.0f} s)")
    by_day = []
    for day in range(1, args.days + 1):
        reached = np.flatnonzero(days >= day)
        if reached.size:
            by_day.append(f"d{day} {mb[reached[0]]:.0f}")
    print("RSS when every bot has replayed day N (MB): " + ", ".join(by_day))


if __name__ == "__main__":
    main()
