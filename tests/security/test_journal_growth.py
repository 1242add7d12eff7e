"""Issue 23 item 5 (second half): the journal's growth is bounded.

Events and decisions are pruned to the newest N (by count: replays carry historical candle
times); the ledger and the audit log are never touched. The WAL is checkpointed quickly while
it is large, and its file is cut back to the limit when it restarts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from plutarc.daemon.store import DaemonStore
from plutarc.daemon.store.journal import NewDecision
from plutarc.daemon.store.retention import JournalRetention
from plutarc.models.events import Event, EventKind
from plutarc.storage.checkpoint import FAST_INTERVAL_S, Checkpointer
from tests.daemon.test_store import make_bot


def _fill(store: DaemonStore, events: int, decisions: dict[str, int]) -> None:
    store.events.insert_many(Event(EventKind.ACTIVITY, i, f"event {i}") for i in range(events))
    for bot_id, count in decisions.items():
        store.decisions.insert_many(NewDecision(bot_id, "BTCUSDT", i, "hold", None)
                                    for i in range(count))


def test_retention_keeps_the_newest_events_and_decisions_per_bot(tmp_path: Path):
    store = DaemonStore.open(tmp_path / "plutarc.db")
    try:
        store.bots.insert(make_bot("b1", "one"))
        store.bots.insert(make_bot("b2", "two"))
        _fill(store, 12_345, {"b1": 7_000, "b2": 900})
        store.audit.append("owner", 1, "bot.create", "b1")
        retention = JournalRetention(store.db, events_keep=1_000, decisions_keep_per_bot=1_000,
                                     batch_rows=500)
        assert asyncio.run(retention.prune()) == 11_345 + 6_000
        count = store.db.execute
        assert count("SELECT COUNT(*), MIN(message) FROM events").fetchone()[0] == 1_000
        newest = count("SELECT message FROM events ORDER BY id DESC LIMIT 1").fetchone()[0]
        assert newest == "event 12344"
        per_bot = dict(count("SELECT bot_id, COUNT(*) FROM decisions GROUP BY bot_id"))
        assert per_bot == {"b1": 1_000, "b2": 900}
        assert count("SELECT MIN(ts_ms) FROM decisions WHERE bot_id='b1'").fetchone()[0] == 6_000
        assert count("SELECT COUNT(*) FROM audit").fetchone()[0] == 1  # never pruned
        assert retention.prune_once() == 0
    finally:
        store.close()


def test_the_wal_file_is_cut_back_when_it_restarts(tmp_path: Path):
    path = tmp_path / "plutarc.db"
    store = DaemonStore.open(path)
    store.db.execute("PRAGMA wal_autocheckpoint=0")
    limit = 256 * 1024
    store.db.execute(f"PRAGMA journal_size_limit={limit}")
    wal = Path(f"{path}-wal")
    try:
        _fill(store, 0, {})
        store.bots.insert(make_bot())
        for _ in range(4):  # ~8 MB of WAL with no checkpoint
            _fill(store, 0, {"b1": 10_000})
        assert wal.stat().st_size > 8 * limit
        checkpointer = Checkpointer(path, max_wal_frames=16)
        busy, frames, _ = asyncio.run(checkpointer.checkpoint())
        assert busy == 0 and checkpointer.restarts == 1
        _fill(store, 1, {})  # the next commit restarts the WAL and cuts the file back
        assert wal.stat().st_size <= limit
    finally:
        store.close()


def test_a_large_wal_is_checkpointed_at_a_fast_pace():
    checkpointer = Checkpointer(Path("unused.db"), interval_s=5.0, max_wal_frames=16_384)
    assert checkpointer.next_delay_s((0, 9_000, 9_000)) == FAST_INTERVAL_S
    assert checkpointer.next_delay_s((0, 100, 100)) == 5.0
    assert checkpointer.next_delay_s(None) == 5.0


def test_the_daemon_sets_the_wal_size_limit():
    from plutarc.storage.checkpoint import WAL_SIZE_LIMIT_BYTES

    source = Path(__file__).resolve().parents[2] / "plutarc" / "daemon" / "server.py"
    assert "journal_size_limit={WAL_SIZE_LIMIT_BYTES}" in source.read_text()
    assert WAL_SIZE_LIMIT_BYTES <= 64 << 20
