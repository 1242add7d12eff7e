"""What a backtest reads from the market-data store: an unchanged store hands over the very
same exported file (so the loader's cache of its parsed arrays is used), and a download that
changes any month of the range makes a new file with the new rows, the stale one removed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from plutarc.marketdata.store import MarketStore, month_bounds

JAN, FEB = month_bounds("2024-01"), month_bounds("2024-02")
MIN = 60_000


def bars(start_ms: int, n: int, price: float) -> dict[str, np.ndarray]:
    ts = start_ms + MIN * np.arange(n, dtype=np.int64)
    one = np.full(n, price)
    return {"timestamp": ts, "open": one, "high": one + 1, "low": one - 1, "close": one,
            "volume": np.ones(n)}


def test_an_unchanged_store_hands_over_the_same_file_and_a_change_a_new_one(
        tmp_path: Path) -> None:
    store, cache = MarketStore(tmp_path / "market"), tmp_path / "cache"
    store.merge("bitmex", "BTCUSD", "1m", "2024-01", bars(JAN[1] - 10 * MIN, 10, 100.0), JAN[1])
    store.merge("bitmex", "BTCUSD", "1m", "2024-02", bars(FEB[0], 10, 200.0), FEB[0] + 10 * MIN)
    span = (JAN[1] - 10 * MIN, FEB[0] + 10 * MIN)

    first, rows = store.export_once("bitmex", "BTCUSD", "1m", *span, cache, "run")
    assert rows == 20 and pq.read_table(first).num_rows == 20
    stamp = first.stat().st_mtime_ns
    again, rows_again = store.export_once("bitmex", "BTCUSD", "1m", *span, cache, "run")
    assert (again, rows_again) == (first, 20) and again.stat().st_mtime_ns == stamp

    # a later download rewrites February's first bar: a new file, the old one gone
    store.merge("bitmex", "BTCUSD", "1m", "2024-02", bars(FEB[0], 1, 250.0), FEB[0] + 10 * MIN)
    changed, rows_changed = store.export_once("bitmex", "BTCUSD", "1m", *span, cache, "run")
    assert changed != first and not first.exists() and rows_changed == 20
    closes = pq.read_table(changed).column("close").to_pylist()
    assert closes[10] == 250.0 and closes[11] == 200.0 and closes[0] == 100.0
    assert sorted(p.name for p in cache.iterdir()) == [changed.name]


def test_other_ranges_keep_their_files(tmp_path: Path) -> None:
    store, cache = MarketStore(tmp_path / "market"), tmp_path / "cache"
    store.merge("bitmex", "BTCUSD", "1m", "2024-02", bars(FEB[0], 30, 200.0), FEB[0] + 30 * MIN)
    a, _ = store.export_once("bitmex", "BTCUSD", "1m", FEB[0], FEB[0] + 10 * MIN, cache, "a")
    b, _ = store.export_once("bitmex", "BTCUSD", "1m", FEB[0], FEB[0] + 20 * MIN, cache, "b")
    assert a.exists() and b.exists() and a != b
    assert pq.read_table(a).num_rows == 10 and pq.read_table(b).num_rows == 20
