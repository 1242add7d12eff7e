"""Market-data download and store: rows per second stored from the local BitMEX server, and
``backtest run`` from the store against the same run from a CSV file.

    python benchmarks/data_download.py [--days 14] [--year FILE] [--template trend_following]

1. Downloads --days of 1m XBTUSD (plus funding) from a local bitmex_sim replaying the bundled
   real BTC minutes, at a generous read limit (what our side costs) and at BitMEX's public
   30 requests/minute (what a user gets from the real venue).
2. With --year (default: the shared 2024 1m file, skipped when absent): the server replays
   that year, the year is downloaded into a store, and ``backtest run --venue bitmex`` from
   the store (funding included) is timed against ``backtest run --data`` on the CSV with the
   same funding exported to a file; each twice (the loaders cache parsed files).
3. The ccxt venues (--ccxt-days, 0 skips): --ccxt-days of 1m with funding and open interest
   from the local Binance USD-M, Bybit and OKX servers (tests/exchanges/ccxt/replay) at each
   profile's own pacing, and a month of Binance Vision 1m zips from a local archive server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
YEAR = REPO.parent / "shared/data/candles/binance-spot_BTCUSDT_1m/BTCUSDT-1m-2024.csv.gz"
START_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC
DAY_MS = 86_400_000


async def download_rate(replay: Path, days: int, per_minute: int, home: Path) -> float:
    from plutarc.exchanges.bitmex_sim import SimServer, SimServerConfig
    from plutarc.marketdata.download import download
    from plutarc.marketdata.sources import open_source
    from plutarc.marketdata.store import MarketStore

    config = SimServerConfig(replay={"XBTUSD": replay}, warmup_bars=days * 1440 + 60,
                             rate_limit_unauth_per_minute=per_minute)
    async with SimServer(config) as srv:
        source = open_source("bitmex", srv.rest_url)
        try:
            t = time.perf_counter()
            report = await download(MarketStore(home / "data" / "market"), source, "XBTUSD",
                                    "1m", START_MS, START_MS + days * DAY_MS, oi=False)
            took = time.perf_counter() - t
        finally:
            await source.close()
    rate = report.rows_stored / took
    print(f"download {days} d of 1m at {per_minute} req/min: {report.rows_stored:,} rows in "
          f"{took:.1f} s = {rate:,.0f} rows/s stored")
    return rate


def timed_cli(args: list[str], home: Path) -> float:
    env = {**os.environ, "PLUTARC_HOME": str(home)}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "plutarc", *args, "--json"], env=env, check=True,
                   stdout=subprocess.DEVNULL, cwd=REPO)
    return time.perf_counter() - t


def store_vs_csv(year: Path, template: str, home: Path) -> None:
    from plutarc.marketdata.store import MarketStore

    days = 365  # the server needs a few bars past the history it serves
    asyncio.run(download_rate(year, days, 100_000, home))
    store = MarketStore(home / "data" / "market")
    funding = home / "funding.parquet"
    store.export("bitmex", "BTCUSD", "funding", START_MS - DAY_MS, START_MS + days * DAY_MS,
                 funding)
    span = ["--from", "2024-01-02", "--to", "2024-12-31"]
    for attempt in (1, 2):
        t_store = timed_cli(["backtest", "run", template, "--venue", "bitmex", "--symbol",
                             "XBTUSD", *span], home)
        t_csv = timed_cli(["backtest", "run", template, "--data", str(year), "--funding",
                           str(funding), *span], home)
        print(f"backtest run {template}, one year of 1m with funding, run {attempt}: "
              f"from the store {t_store:.2f} s, from the CSV {t_csv:.2f} s")


def ccxt_rates(days: int, home: Path) -> None:
    sys.path.insert(0, str(REPO))
    from plutarc.marketdata.download import download
    from plutarc.marketdata.sources import open_source
    from plutarc.marketdata.store import MarketStore
    from tests.exchanges.ccxt.replay import binance, bybit, okx
    from tests.exchanges.ccxt.replay.core import MINUTE, ServerThread, Tape
    from tests.exchanges.ccxt.replay.history import app_with_history

    servers = {"binance": (binance.BinanceServer, "BTCUSDT"),
               "bybit": (bybit.BybitServer, "BTCUSDT"), "okx": (okx.OkxServer, "BTC-USDT-SWAP")}
    for name, (make, symbol) in servers.items():
        server = make(Tape(history=days * 1440 + 30))
        thread = ServerThread(lambda s=server, n=name: app_with_history(n, s)).start()
        start = server.tape.anchor + MINUTE

        async def go(n=name, sym=symbol, a=start, url=thread.url):  # noqa: ANN001, ANN202
            source = open_source(n, url)
            try:
                return await download(MarketStore(home / n), source, sym, "1m", a,
                                      a + days * DAY_MS)
            finally:
                await source.close()
        try:
            report = asyncio.run(go())
        finally:
            thread.stop()
        rows = {s.series: s.rows_stored for s in report.series}
        print(f"{name}: {days} d of 1m + funding + OI at its profile's pacing: {rows} in "
              f"{report.seconds:.1f} s = {report.rows_stored / report.seconds:,.0f} rows/s")


def vision_rate(home: Path) -> None:
    sys.path.insert(0, str(REPO))
    from plutarc.marketdata.archive import VisionArchive
    from plutarc.marketdata.store import MarketStore, month_bounds
    from tests.exchanges.ccxt.replay.core import ServerThread, Tape
    from tests.marketdata.test_vision_archive import PREFIX, VisionServer

    month = "2024-01"
    tape = Tape(at_recorded_times=True)
    thread = ServerThread(VisionServer(tape, [month], []).app).start()
    try:
        a, b = month_bounds(month)
        t = time.perf_counter()
        got = asyncio.run(VisionArchive(thread.url + PREFIX).fill(
            MarketStore(home / "vision"), "binance", "BTCUSDT", "1m", a, b))
        took = time.perf_counter() - t
    finally:
        thread.stop()
    print(f"Binance Vision: one monthly 1m zip, {got.rows:,} rows in {took:.2f} s = "
          f"{got.rows / took:,.0f} rows/s stored (local server; the real one adds transfer)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=13)
    parser.add_argument("--year", type=Path, default=YEAR)
    parser.add_argument("--template", default="trend_following")
    parser.add_argument("--ccxt-days", type=int, default=3)
    args = parser.parse_args()
    from plutarc.exchanges.bitmex_sim.config import BUNDLED_BTC_1M

    with tempfile.TemporaryDirectory() as tmp:
        if args.ccxt_days:
            ccxt_rates(args.ccxt_days, Path(tmp) / "ccxt")
            vision_rate(Path(tmp) / "ccxt")
        asyncio.run(download_rate(BUNDLED_BTC_1M, args.days, 100_000, Path(tmp) / "a"))
        asyncio.run(download_rate(BUNDLED_BTC_1M, min(args.days, 3), 30, Path(tmp) / "b"))
        if args.year.exists():
            store_vs_csv(args.year, args.template, Path(tmp) / "c")
        else:
            print(f"skipped store vs CSV: {args.year} not found")


if __name__ == "__main__":
    main()
