"""BitMEX ingest: websocket messages parsed per second, and execution -> position latency.

Replays recorded BitMEX websocket messages through the adapter's hot path exactly as its
socket reader runs it (``orjson.loads`` + ``Feed.apply``: table semantics, wire shapes, our
types, the position book), on one core, and prints messages/s, the in-process time from a
received execution message to our position update (p50/p99), and peak RSS. Private frames
are measured twice: parsing alone (text -> frame -> table rows -> wire rows, the target of
>= 100k msgs/s) and the whole path to Fill, position and published events.

Market data: the cryptofeed live capture (quote, trade, orderBookL2; the full file from
../shared/data when present, else the slice in the test resources). Private: recorded
order/execution/position/margin rows (tests/exchanges/bitmex/resources), each execution
given a fresh execID so every one is a new fill.

    python benchmarks/bitmex_ingest.py [--seconds 3] [--executions 20000]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import orjson

from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.latency import LatencyBook
from plutarc.exchanges.bitmex.parse_market import instrument_from_wire
from plutarc.exchanges.bitmex.schemas import WireExecution, WireInstrument, WireMargin, WireOrder
from plutarc.exchanges.bitmex.tables import TableStore

REPO = Path(__file__).resolve().parents[1]
RES = REPO / "tests/exchanges/bitmex/resources"
FULL_CAPTURE = REPO.parent / "shared/data/exchange-payloads/bitmex/cryptofeed/BITMEX.ws.1.0"
TARGET_MSGS_S = 100_000
TARGET_P99_US = 200.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def capture_messages() -> tuple[list[str], str]:
    path = FULL_CAPTURE if FULL_CAPTURE.exists() else RES / "ws/cryptofeed_BITMEX.ws.1.0.slice"
    out = []
    for line in path.read_text().splitlines():
        head, sep, payload = line.partition(": ")
        if sep and " " not in head and payload.startswith('{"table"'):
            out.append(payload)
    return out, path.name


def new_feed() -> tuple[Feed, TableStore]:
    rows = json.loads((RES / "http/instrument_active_2021-07-22.json").read_text())
    instruments = [instrument_from_wire(WireInstrument.of(r), DEFAULT_CURRENCIES) for r in rows
                   if r["typ"] in ("FFWCSX", "FFCCSX")]
    feed = Feed(DEFAULT_CURRENCIES, LatencyBook(100_000))
    feed.set_instruments(instruments)
    store = TableStore(max_rows=100_000)
    for table, keys in (("order", ["orderID"]), ("execution", ["execID"]),
                        ("position", ["account", "symbol", "currency"]),
                        ("margin", ["account", "currency"])):
        feed.apply(store, {"table": table, "action": "partial", "keys": keys,
                           "filter": {"account": 1234567}, "data": []}, 0, 0)
    return feed, store


def _compact(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"))  # as BitMEX sends it


def private_messages(n: int) -> list[str]:
    """Recorded private rows; execution i gets execID i so each is a new fill."""
    row = lambda name: json.loads((RES / f"ws/{name}.json").read_text())  # noqa: E731
    execution, order = row("ws_execution"), row("ws_order")
    execution["settlCurrency"] = "XBt"
    position, margin = row("ws_position"), row("ws_margin")
    position["currency"] = "XBt"
    out = [_compact({"table": "order", "action": "insert", "data": [order]})]
    for i in range(n):
        fill = {**execution, "execID": f"bench-{i}", "side": "Buy" if i % 2 else "Sell"}
        out.append(_compact({"table": "execution", "action": "insert", "data": [fill]}))
        if i % 10 == 0:
            out.append(_compact({"table": "margin", "action": "update", "data": [
                {"account": margin["account"], "currency": "XBt",
                 "walletBalance": margin["walletBalance"] + i, "timestamp": margin["timestamp"]}
            ]}))
    return out


def throughput(messages: list[str], seconds: float, prime: list[str] = ()) -> tuple[float, int]:
    """Messages per second through orjson.loads + Feed.apply, repeated for ``seconds``; the
    ``prime`` frames (partials) are applied first, untimed, on each fresh feed."""
    loads, clock = orjson.loads, time.perf_counter_ns
    done, spent = 0, 0.0
    while spent < seconds:
        feed, store = new_feed()
        apply = feed.apply
        for message in prime:
            apply(store, loads(message), 0, 0)
        t0 = time.perf_counter()
        for message in messages:
            apply(store, loads(message), 0, clock())
        spent += time.perf_counter() - t0
        done += len(messages)
    return done / spent, done


WIRE_ROWS = {"execution": WireExecution.of, "order": WireOrder.of, "margin": WireMargin.of}


def parse_throughput(messages: list[str], seconds: float) -> tuple[float, int]:
    """Messages per second parsed as the socket does before our types: orjson.loads, the
    keyed table update, and each changed row as its wire shape."""
    loads, shapes = orjson.loads, WIRE_ROWS
    done, spent = 0, 0.0
    while spent < seconds:
        _feed, store = new_feed()
        t0 = time.perf_counter()
        for message in messages:
            table, _action, rows = store.apply(loads(message))
            shape = shapes[table]
            for row in rows:
                shape(row)
        spent += time.perf_counter() - t0
        done += len(messages)
    return done / spent, done


def exec_latency(n: int) -> tuple[float, float, float, int]:
    feed, store = new_feed()
    messages = private_messages(n)
    loads, clock = orjson.loads, time.perf_counter_ns
    for message in messages:
        rx = clock()
        feed.apply(store, loads(message), 0, rx)
    stats = feed.latency.get("exec_to_position_us", unit="us").snapshot()
    return stats.p50, stats.p99, stats.max, stats.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--executions", type=int, default=20_000)
    args = parser.parse_args()

    market, source = capture_messages()
    partials = [m for m in market if '"action":"partial"' in m]
    deltas = [m for m in market if '"action":"partial"' not in m]
    rate, count = throughput(deltas, args.seconds, prime=partials)
    print(f"market data deltas ({source}: quote/trade/orderBookL2, {len(deltas):,} recorded "
          f"frames, tables primed): {rate:,.0f} msgs/s over {count:,} messages")
    rate_all, _ = throughput(market, args.seconds / 3)
    megabytes = sum(map(len, market)) / 1e6
    print(f"  incl. the {len(partials)} snapshot partials ({megabytes:.1f} MB per pass): "
          f"{rate_all:,.0f} msgs/s")
    private = private_messages(2_000)
    rate_parse, count_parse = parse_throughput(private, args.seconds)
    print(f"private frames parsed (orjson + table + wire rows, ~1 KB each): {rate_parse:,.0f} "
          f"msgs/s over {count_parse:,}")
    rate_p, count_p = throughput(private, args.seconds)
    print(f"private frames, whole path to Fill + position + events: {rate_p:,.0f} msgs/s over "
          f"{count_p:,}")
    p50, p99, worst, n = exec_latency(args.executions)
    print(f"execution message -> position update ({n:,} fills): p50 {p50:.1f} us, "
          f"p99 {p99:.1f} us, max {worst:.1f} us")
    print(f"peak RSS {peak_rss_mb():.1f} MB")
    print(f"target >= {TARGET_MSGS_S:,} msgs/s (market deltas): "
          f"{'met' if rate >= TARGET_MSGS_S else 'NOT met'}; private frame parsing: "
          f"{'met' if rate_parse >= TARGET_MSGS_S else 'NOT met'}; private whole path: "
          f"{'met' if rate_p >= TARGET_MSGS_S else 'NOT met'}")
    print(f"target p99 < {TARGET_P99_US:.0f} us: {'met' if p99 < TARGET_P99_US else 'NOT met'}")


if __name__ == "__main__":
    main()
