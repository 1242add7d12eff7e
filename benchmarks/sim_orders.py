"""Per-order cost of the sim matching engine on real 1m BTCUSDT bars, and peak memory.

Three round trips, each timed over every bar of the bundled 14-day slice (20,160 bars):

    market      submit a market order at bar i's close, process bar i+1 (fills at its open)
    stop        open at a market fill, then a reduce-only stop 0.1 % away: next_event_bar
                finds the bar it triggers in, process_bar fills it (the accelerated path)
    cancel      submit a limit far from the market and cancel it (admission alone)

Requests are built before timing (that cost is the caller's). CPU time of this process
(robust to other work on a shared machine), median of 5 runs.

Run: /work/venv/bin/python benchmarks/sim_orders.py
"""

from __future__ import annotations

import gc
import resource
import statistics
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

from plutarc.exchanges.sim import SimAccount, SimConfig, SimMatchingEngine
from plutarc.models import ContractKind, Instrument, OrderRequest, OrderType, Side
from plutarc.strategy.series import Bars

DATA = Path(__file__).resolve().parents[1] / "plutarc/data/BTCUSDT-1m-2024-01-01_14d.csv.gz"
INST = Instrument("sim", "BTCUSDT", "BTC", "USDT", "USDT", ContractKind.LINEAR,
                  Decimal("0.01"), Decimal("0.001"), taker_fee=Decimal("0.00075"))
REPEATS = 5


def _bars() -> Bars:
    a = np.loadtxt(DATA, delimiter=",", usecols=(0, 1, 2, 3, 4, 5))
    return Bars(60_000, a[:, 0].astype(np.int64), *(a[:, k].copy() for k in range(1, 6)))


def _engine(bars: Bars) -> SimMatchingEngine:
    sim = SimMatchingEngine(INST, SimConfig(enforce_margin=False), SimAccount({"USDT": 10_000}))
    sim.set_bars(bars)
    return sim


def market_round_trips(bars: Bars) -> tuple[float, int]:
    n = len(bars) - 1
    close_ms = bars.close_ts_ms
    reqs = [OrderRequest(f"m{i}", "BTCUSDT", Side.BUY if i % 2 else Side.SELL, OrderType.MARKET,
                         Decimal(1)) for i in range(n)]
    sim = _engine(bars)
    t0 = time.process_time()
    fills = 0
    for i in range(n):
        sim.submit(reqs[i], int(close_ms[i]))
        fills += len(sim.process_bar(i + 1))
    return time.process_time() - t0, fills


def stop_round_trips(bars: Bars) -> tuple[float, int]:
    n = len(bars)
    close_ms = bars.close_ts_ms
    sim = _engine(bars)
    t0 = time.process_time()
    orders = i = k = 0
    while i < n - 1:
        k += 1
        side = Side.BUY if k % 2 else Side.SELL
        sim.submit(OrderRequest(f"e{k}", "BTCUSDT", side, OrderType.MARKET, Decimal(1)),
                   int(close_ms[i]))
        entry = sim.process_bar(i + 1)[0].price
        stop = entry * (Decimal("0.999") if side is Side.BUY else Decimal("1.001"))
        sim.submit(OrderRequest(f"s{k}", "BTCUSDT", side.opposite, OrderType.STOP_MARKET,
                                Decimal(1), stop_price=stop, reduce_only=True),
                   int(close_ms[i + 1]))
        orders += 2
        hit = sim.next_event_bar(i + 2, n)
        if hit >= n:
            break
        sim.process_bar(hit)
        i = hit
    return time.process_time() - t0, orders


def cancel_round_trips(bars: Bars) -> tuple[float, int]:
    n = len(bars)
    sim = _engine(bars)
    reqs = [OrderRequest(f"c{i}", "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal(1),
                         price=Decimal("1000")) for i in range(n)]
    t0 = time.process_time()
    for i in range(n):
        sim.submit(reqs[i], 0)
        sim.cancel(f"c{i}", 0)
    return time.process_time() - t0, n


def _median_us(fn, bars: Bars) -> tuple[float, int]:
    runs = []
    for _ in range(REPEATS):
        gc.collect()
        seconds, count = fn(bars)
        runs.append(seconds / count * 1e6)
    return statistics.median(runs), count


def main() -> None:
    bars = _bars()
    for name, fn in (("market", market_round_trips), ("stop", stop_round_trips),
                     ("cancel", cancel_round_trips)):
        us, count = _median_us(fn, bars)
        print(f"{name:7s} {us:7.2f} us CPU per order round trip  ({count} orders)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB (interpreter, numpy and 20,160 bars included)")


if __name__ == "__main__":
    main()
