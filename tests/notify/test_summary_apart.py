"""The daily summary is due at a round UTC time, when candles close: its figures are counted
on a connection of its own, never on the daemon's (the event loop's)."""

from __future__ import annotations

from pathlib import Path

from plutarc.daemon.notifications import daily_summary
from plutarc.daemon.store import DaemonStore
from plutarc.models.events import Event, EventKind, Severity
from plutarc.notify.schedule import DAY_MS


async def test_the_summary_counts_on_a_connection_of_its_own(tmp_path: Path):
    store = DaemonStore.open(tmp_path / "daemon.db")
    now = 20_000 * DAY_MS
    store.events.insert_many(
        [Event(EventKind.ALERT, now - i, f"alert {i}", None, Severity.WARNING, {})
         for i in range(1, 4)]
        + [Event(EventKind.ALERT, now - DAY_MS - 1, "yesterday", None, Severity.WARNING, {}),
           Event(EventKind.ACTIVITY, now - 5, "not an alert", None, Severity.INFO, {})])
    on_daemon_connection: list[str] = []
    store.db.conn.set_trace_callback(on_daemon_connection.append)

    text = await daily_summary(store, now - DAY_MS, now)

    store.db.conn.set_trace_callback(None)
    assert text == "last 24 h: 0 trades, closed PnL +0.00, 3 alerts"
    assert any("FROM bots" in sql for sql in on_daemon_connection)  # the trace works
    assert not [sql for sql in on_daemon_connection
                if "FROM events" in sql or "FROM trades" in sql]
