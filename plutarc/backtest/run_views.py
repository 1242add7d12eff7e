"""What clients see of stored backtest runs: the Runs list row, a run's summary (metrics, equity
and price series, hold-time distribution) apart from its trades, which can be many (36k).

The summary is what a screen paints first; the trades follow in a second read.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from plutarc.backtest.store import TRADE_COLUMNS, ResultsStore, StoredRun

MIN_MS = 60_000
HOLD_BUCKETS: tuple[tuple[str, int], ...] = (
    ("< 5m", 5 * MIN_MS), ("5-15m", 15 * MIN_MS), ("15m-1h", 60 * MIN_MS),
    ("1-4h", 240 * MIN_MS), ("4-24h", 1440 * MIN_MS), ("1-7d", 7 * 1440 * MIN_MS),
    ("> 7d", 2**62),
)
"""(label, exclusive upper bound of the hold in ms) of the hold-time distribution."""

FIRST_TRADES = 500
"""Trades sent with the summary (in order): a screen shows them at once, before the rest."""
MAX_MARKERS = 60
"""Entries and exits drawn on the run's price chart at most (evenly thinned beyond)."""


def run_row(run: StoredRun) -> dict[str, Any]:
    """One line of the Runs list: which data, symbol and dates, and the headline result."""
    row = run.row
    return {"id": run.id, "template": row["template_name"], "symbol": row["symbol"],
            "data_source": row["data_source"], "data_file": Path(row["data_source"]).name,
            "interval": row["interval"], "bars": row["bars"], "start_ms": row["start_ms"],
            "end_ms": row["end_ms"], "created_ms": row["created_ms"], "metrics": run.metrics}


def _series(store: ResultsStore, run_id: int, name: str) -> dict[str, np.ndarray] | None:
    row = store.db.execute("SELECT 1 FROM run_series WHERE run_id = ? AND name = ?",
                           (run_id, name)).fetchone()
    return None if row is None else store.series(run_id, name)


def hold_distribution(store: ResultsStore, run_id: int) -> list[dict[str, Any]]:
    """Trades per hold-time bucket, with their wins and net PnL (quote currency, as text)."""
    rows = store.db.execute("SELECT exit_ts_ms - entry_ts_ms, net_pnl FROM run_trades "
                            "WHERE run_id = ?", (run_id,)).fetchall()
    out = [{"bucket": label, "trades": 0, "wins": 0, "net_pnl": Decimal(0)}
           for label, _ in HOLD_BUCKETS]
    bounds = [upper for _, upper in HOLD_BUCKETS]
    for hold_ms, net in rows:
        slot = out[next(i for i, upper in enumerate(bounds) if hold_ms < upper)]
        pnl = Decimal(net)
        slot["trades"] += 1
        slot["wins"] += pnl > 0
        slot["net_pnl"] += pnl
    for slot in out:
        slot["net_pnl"] = str(slot["net_pnl"])
    return out


def markers(store: ResultsStore, run_id: int) -> dict[str, Any]:
    """Entries (by direction) and exits for the price chart, thinned evenly to MAX_MARKERS."""
    count = store.db.execute("SELECT COUNT(*) FROM run_trades WHERE run_id = ?",
                             (run_id,)).fetchone()[0]
    every = max(1, -(-count // MAX_MARKERS))
    rows = store.db.execute(
        "SELECT direction, entry_ts_ms, entry_price, exit_ts_ms, exit_price FROM run_trades "
        "WHERE run_id = ? AND seq % ? = 0 ORDER BY seq", (run_id, every)).fetchall()
    return {"every": every, "trades": count,
            "entries": [(d, t, float(p)) for d, t, p, _, _ in rows],
            "exits": [(t, float(p)) for _, _, _, t, p in rows]}


def run_summary(store: ResultsStore, run_id: int) -> dict[str, Any]:
    """Everything about a run but its trades: a first paint needs only this."""
    run = store.get(run_id)
    equity = store.series(run_id, "equity")
    price = _series(store, run_id, "price")
    return {**run_row(run), "template_toml": run.row["template_toml"],
            "equity": {"ts_ms": equity["ts_ms"].tolist(), "equity": equity["equity"].tolist()},
            "price": {"ts_ms": price["ts_ms"].tolist() if price else [],
                      "close": price["close"].tolist() if price else []},
            "markers": markers(store, run_id), "holds": hold_distribution(store, run_id),
            "first_trades": first_trades(store, run_id)}


def first_trades(store: ResultsStore, run_id: int, limit: int = FIRST_TRADES) -> list[dict]:
    """The first ``limit`` trades in order, as ResultsStore.trades gives them."""
    cur = store.db.execute(f"SELECT {', '.join(TRADE_COLUMNS)} FROM run_trades WHERE "
                           "run_id = ? ORDER BY seq LIMIT ?", (run_id, limit))
    return [dict(zip(TRADE_COLUMNS, r, strict=True)) for r in cur.fetchall()]
