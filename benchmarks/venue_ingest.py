"""ccxt venues: candle / trade / order messages parsed per second, and candle close -> order
handed to ccxt (our share) with 20 live bots spread over the venues.

Parsing: each venue's local replay server (tests/exchanges/ccxt/replay/, answering with the
recorded payloads in tests/fixtures/<venue>/) is asked once, through CcxtVenue, for 1m
candles, a market order and its fills; the raw venue rows ccxt hands to its
``parse_ohlcv`` / ``parse_trade`` / ``parse_order`` are captured with the market they came
with. The timed loop then runs, per message, exactly what the adapter's path runs after the
HTTP body is decoded: ccxt's parse function on the raw row, then our conversion
(``parse.candle`` -> Candle, ``parse.fill`` -> Fill, ``OrderPath.ours`` + ``parse.order``
-> Order), the captured rows replicated to ``--messages`` each. No network in the loop.

Latency: see benchmarks/venue_fleet.py (20 LiveWorker bots in one in-process daemon
runtime, each on a CcxtVenue pointed at its venue's replay server).

    python benchmarks/venue_ingest.py [--messages 20000] [--seconds 45] [--skip-fleet]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(Path(__file__).resolve().parent)]

from plutarc.exchanges.ccxt import CcxtVenue, parse  # noqa: E402
from plutarc.exchanges.ccxt.venues import PROFILES  # noqa: E402
from plutarc.models import OrderRequest, OrderType, Side  # noqa: E402
from tests.exchanges.ccxt.conftest import CASES  # noqa: E402
from tests.exchanges.ccxt.replay.core import ServerThread  # noqa: E402

VENUES = ("binance", "bybit", "okx", "deribit", "kraken", "kucoin", "phemex", "woox")
MINUTE = 60_000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Captured:
    """Raw rows (with their market) as ccxt's parse functions received them."""

    def __init__(self) -> None:
        self.ohlcv: list[tuple[Any, Any]] = []
        self.trade: list[tuple[Any, Any]] = []
        self.order: list[tuple[Any, Any]] = []

    def spy(self, ex: Any) -> None:
        for name in ("ohlcv", "trade", "order"):
            real = getattr(ex, f"parse_{name}")
            store = getattr(self, name)

            def wrapped(raw: Any, market: Any = None, *rest: Any, _real=real, _store=store):
                _store.append((raw, market))
                return _real(raw, market, *rest)
            setattr(ex, f"parse_{name}", wrapped)

    def unspy(self, ex: Any) -> None:
        for name in ("ohlcv", "trade", "order"):
            ex.__dict__.pop(f"parse_{name}", None)


async def capture(name: str, url: str) -> tuple[CcxtVenue, Captured, OrderRequest, str]:
    """One pass of the adapter against the venue's replay server, rows captured."""
    _make, credentials, symbol, qty = CASES[name]
    venue = CcxtVenue(PROFILES[name], credentials=credentials, base_url=url, timeout_s=5)
    await venue.start()
    got = Captured()
    got.spy(venue.exchange)
    now = await venue.server_time_ms()
    await venue.candles(symbol, "1m", now - 200 * MINUTE, now)
    request = OrderRequest(f"bench-{name}-1", symbol, Side.BUY, OrderType.MARKET, qty)
    await venue.place_order(request)
    await venue.fills_since(0, symbol)
    got.unspy(venue.exchange)
    return venue, got, venue.book.requests[request.client_id], symbol


def rate(rows: list[tuple[Any, Any]], n: int, one: Callable[[Any, Any], Any]) -> float:
    """Messages per second of ``one(raw, market)`` over ``n`` replicated rows."""
    if not rows:
        return float("nan")
    feed = [rows[i % len(rows)] for i in range(n)]
    t0 = time.perf_counter()
    for raw, market in feed:
        one(raw, market)
    return n / (time.perf_counter() - t0)


def ingest(name: str, venue: CcxtVenue, got: Captured, request: OrderRequest, symbol: str,
           n: int) -> tuple[float, float, float, tuple[int, int, int]]:
    ex, orders = venue.exchange, venue.orders
    settle = str((venue._by_id[symbol]).get("settle") or "")  # noqa: SLF001 - as fills_since

    def candle(raw: Any, market: Any) -> Any:
        return parse.candle(ex.parse_ohlcv(raw, market), MINUTE)

    def fill(raw: Any, market: Any) -> Any:
        trade = ex.parse_trade(raw, market)
        cid = venue.book.client_ids.get(str(trade.get("order")), "")
        return parse.fill(trade, symbol, cid, settle)

    def order(raw: Any, market: Any) -> Any:
        row = ex.parse_order(raw, market)
        return parse.order({**orders.ours(row), "status": row.get("status") or "open"},
                           symbol, request)

    counts = (len(got.ohlcv), len(got.trade), len(got.order))
    return (rate(got.ohlcv, n, candle), rate(got.trade, n, fill), rate(got.order, n, order),
            counts)


async def ingest_all(n: int) -> None:
    print(f"messages parsed per second (ccxt parse_* + our conversion, {n:,} per kind, "
          "one core; recorded rows replicated):")
    print(f"  {'venue':8} {'candles/s':>11} {'trades/s':>11} {'orders/s':>11}   "
          "recorded rows (candle/trade/order)")
    worst = float("inf")
    for name in VENUES:
        make = CASES[name][0]
        thread = ServerThread(make().app).start()
        try:
            venue, got, request, symbol = await capture(name, thread.url)
            try:
                c, t, o, counts = ingest(name, venue, got, request, symbol, n)
            finally:
                await venue.close()
        finally:
            thread.stop()
        worst = min(worst, c, t, o)
        print(f"  {name:8} {c:>11,.0f} {t:>11,.0f} {o:>11,.0f}   {counts[0]}/{counts[1]}/"
              f"{counts[2]}")
    print(f"  slowest kind on any venue: {worst:,.0f} msgs/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="per venue and kind")
    parser.add_argument("--seconds", type=float, default=45.0,
                        help="how long the 20-bot fleet streams candles")
    parser.add_argument("--skip-fleet", action="store_true")
    args = parser.parse_args()
    asyncio.run(ingest_all(args.messages))
    if not args.skip_fleet:
        from venue_fleet import report_fleet
        report_fleet(args.seconds)
    print(f"peak RSS {peak_rss_mb():.1f} MB")


if __name__ == "__main__":
    main()
