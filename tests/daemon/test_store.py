"""The daemon store: schema migrations keep old rows, typed tables, exact Decimal money."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from plutarc.daemon.bot_config import RiskLimits
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.replay_spec import ReplaySpec
from plutarc.daemon.store import MIGRATIONS, BotRecord, DaemonStore, NewDecision
from plutarc.errors import StrategyError
from plutarc.models import (
    Direction,
    Event,
    EventKind,
    Fill,
    Liquidity,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Severity,
    Side,
    Trade,
)


def make_bot(bot_id: str = "b1", name: str = "btc-trend") -> BotRecord:
    return BotRecord(
        id=bot_id, name=name, template="trend", venue="sim", account="", mode="paper",
        symbols=("BTCUSDT",), risk=RiskLimits(), state=BotState.STOPPED, state_reason="",
        plutarc_version="0.1.0", created_ms=1, updated_ms=1, last_heartbeat_ms=None,
        config_version=1,
    )


@pytest.fixture
def store() -> DaemonStore:
    s = DaemonStore.open(":memory:")
    s.bots.insert(make_bot())
    return s


def test_database_from_migration_1_is_migrated_and_keeps_its_rows(tmp_path: Path):
    path = tmp_path / "plutarc.db"
    old_store = DaemonStore.open(path, MIGRATIONS[:1])
    assert old_store.schema_version == 1
    old_store.db.execute(
        "INSERT INTO bots (id, name, template, venue, mode, symbols, risk, state, "
        "plutarc_version, created_ms, updated_ms) VALUES ('b9', 'old-bot', 'trend', 'sim', "
        "'paper', '[\"ETHUSDT\"]', '{}', 'online', '0.0.9', 5, 6)")
    old_store.db.execute("INSERT INTO events (ts_ms, kind, severity, bot_id, message) "
                         "VALUES (7, 'activity', 'info', 'b9', 'from the old days')")
    old_store.close()

    store = DaemonStore.open(path)

    assert store.schema_version == len(MIGRATIONS) >= 2
    bot = store.bots.resolve("old-bot")
    assert (bot.id, bot.state, bot.symbols, bot.risk) == ("b9", BotState.ONLINE, ("ETHUSDT",),
                                                          RiskLimits())
    assert bot.config_version == 1 and bot.last_heartbeat_ms is None  # columns added by v2
    assert [e.message for e in store.events.query(bot_id="b9")] == ["from the old days"]
    store.decisions.insert(NewDecision("b9", "ETHUSDT", 8, "hold", 0.1))  # v2 table usable


def test_a_replay_kept_in_the_account_label_becomes_the_bots_replay_fields(tmp_path: Path):
    """Schema 10: replay settings move out of the 64-character account label."""
    path = tmp_path / "plutarc.db"
    old_store = DaemonStore.open(path, MIGRATIONS[:9])
    for bot_id, venue, account in (("b1", "sim", "speed=max;bars=500;file=/data/btc.csv.gz"),
                                   ("b2", "bitmex", "main")):
        old_store.db.execute(
            "INSERT INTO bots (id, name, template, venue, account, mode, symbols, risk, state, "
            "plutarc_version, created_ms, updated_ms) VALUES (?, ?, 'trend', ?, ?, 'paper', "
            "'[\"BTCUSDT\"]', '{}', 'stopped', '0.0.9', 5, 6)",
            (bot_id, f"bot-{bot_id}", venue, account))
    old_store.close()

    store = DaemonStore.open(path)
    replayed, other = store.bots.resolve("b1"), store.bots.resolve("b2")
    assert replayed.account == "" and replayed.replay is not None
    assert (replayed.replay.speed, replayed.replay.bars, replayed.replay.file) == (
        "max", 500, "/data/btc.csv.gz")
    assert (other.account, other.replay) == ("main", None)
    long_path = "/data/" + "x" * 300 + ".csv.gz"  # far past the old label's 49 characters
    store.bots.insert(make_bot().model_copy(update={
        "id": "b3", "name": "long", "replay": ReplaySpec(speed="60", file=long_path)}))
    assert store.bots.resolve("b3").replay == ReplaySpec(speed="60", file=long_path)


def test_audit_log_is_append_only(store: DaemonStore):
    store.audit.append("alice", 10, "bot.pause", "b1", before={"state": "online"},
                       after={"state": "paused"})
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("UPDATE audit SET who = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("DELETE FROM audit")
    [row] = store.audit.query(target="b1")
    assert (row.who, row.before, row.after) == ("alice", {"state": "online"}, {"state": "paused"})


def test_order_intent_journal_tracks_sent_acked_and_never_journals_twice(store: DaemonStore):
    request = OrderRequest("b1-1700000000000-1", "BTCUSDT", Side.BUY, OrderType.LIMIT,
                           Decimal("0.1"), price=Decimal("42000.5"), tag="entry")
    record = store.orders.journal("b1", request, ts_ms=100)
    assert (record.status, record.qty, record.price) == (OrderStatus.PENDING, Decimal("0.1"),
                                                         Decimal("42000.5"))
    assert [o.client_id for o in store.orders.unsent("b1")] == [request.client_id]

    store.orders.mark_sent(request.client_id, 101)
    assert store.orders.unsent("b1") == []
    assert [o.client_id for o in store.orders.in_doubt("b1")] == [request.client_id]

    store.orders.mark_acked(request.client_id, "V-9", OrderStatus.NEW, 105)
    store.orders.update_status(request.client_id, OrderStatus.FILLED, 110,
                               filled_qty=Decimal("0.1"), avg_price=Decimal("42000.5"))
    done = store.orders.get(request.client_id)
    assert done is not None
    assert (done.venue_id, done.sent_ms, done.acked_ms, done.status) == ("V-9", 101, 105,
                                                                         OrderStatus.FILLED)
    assert store.orders.in_doubt("b1") == [] and store.orders.query(open_only=True) == []
    with pytest.raises(StrategyError, match="already journaled .*never sent twice"):
        store.orders.journal("b1", request, ts_ms=120)



def test_send_path_journal_refuses_a_second_intent_and_an_unknown_bot(store: DaemonStore):
    """journal_intent (the step before a send) keeps journal()'s refusals without its reads:
    a client id twice is a StrategyError that leaves the first row as it was; a bot the
    store does not know is the foreign key's error and writes nothing."""
    request = OrderRequest("b1-1700000000000-2", "BTCUSDT", Side.SELL, OrderType.MARKET,
                           Decimal("0.2"), reduce_only=True)
    assert not store.orders.known(request.client_id)
    store.orders.journal_intent("b1", request, 100)
    assert store.orders.known(request.client_id)
    store.orders.mark_sent(request.client_id, 101)
    with pytest.raises(StrategyError, match="already journaled .*pending.*never sent twice"):
        store.orders.journal_intent("b1", request, 200)
    row = store.orders.get(request.client_id)
    assert row is not None
    assert (row.journaled_ms, row.sent_ms, row.reduce_only) == (100, 101, True)
    stray = OrderRequest("nobody-1", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("1"))
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store.orders.journal_intent("no-such-bot", stray, 300)
    assert not store.orders.known(stray.client_id)

def test_fills_are_idempotent_and_money_stays_exact(store: DaemonStore):
    request = OrderRequest("c1", "BTCUSDT", Side.SELL, OrderType.MARKET, Decimal("0.3"))
    store.orders.journal("b1", request, ts_ms=1)
    fill = Fill("f1", "c1", "V1", "BTCUSDT", Side.SELL, Decimal("0.1"), Decimal("0.1") * 3,
                Decimal("-0.00000001"), "USDT", Liquidity.MAKER, 5)
    assert store.fills.record("b1", fill) is True
    assert store.fills.record("b1", fill) is False
    [stored] = store.fills.query(bot_id="b1")
    assert stored.price == Decimal("0.3") and stored.fee == Decimal("-0.00000001")


def test_a_fill_for_an_unknown_order_is_refused_by_foreign_key(store: DaemonStore):
    fill = Fill("f1", "nope", "V1", "BTCUSDT", Side.SELL, Decimal(1), Decimal(1), Decimal(0),
                "USDT", Liquidity.TAKER, 5)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store.fills.record("b1", fill)


def test_positions_keep_only_the_latest_and_hide_flat_ones(store: DaemonStore):
    store.positions.upsert("b1", Position("BTCUSDT", Decimal("0.5"), Decimal("40000"), ts_ms=1))
    store.positions.upsert("b1", Position("BTCUSDT", Decimal("0.7"), Decimal("41000"), ts_ms=2))
    store.positions.upsert("b1", Position("ETHUSDT", Decimal("0.000"), None, ts_ms=2))
    [pos] = store.positions.query(bot_id="b1")
    assert (pos.qty, pos.entry_price, pos.ts_ms) == (Decimal("0.7"), Decimal("41000"), 2)
    assert len(store.positions.query(include_flat=True)) == 2


def test_trades_equity_and_decisions_round_trip(store: DaemonStore):
    trade = Trade("BTCUSDT", Direction.LONG, Decimal("0.1"), 1, Decimal("100"), 2,
                  Decimal("110"), Decimal("1.0"), Decimal("0.02"), Decimal("0.01"), "take_profit",
                  entry_snapshot={"ema_cross": 0.5, "warmup": float("nan")})
    stored = store.trades.insert("b1", trade)
    assert stored.net_pnl == Decimal("0.97") and stored.entry_snapshot["warmup"] is None

    eq = store.equity.insert("b1", 3, "USDT", Decimal("1000.10"), Decimal("-0.05"))
    assert store.equity.query(bot_id="b1") == [eq] and eq.equity == Decimal("1000.05")

    store.decisions.insert_many([
        NewDecision("b1", "BTCUSDT", 60_000, "skip", float("nan"), {"ema": float("inf")},
                    ["below threshold 0.3"]),
        NewDecision("b1", "BTCUSDT", 120_000, "enter_long", 0.8, {"ema": 0.8}),
    ])
    first, second = store.decisions.query(bot_id="b1")
    assert (first.score, first.components, first.skip_reasons) == (None, {"ema": None},
                                                                   ("below threshold 0.3",))
    assert second.action == "enter_long"
    assert [d.ts_ms for d in store.decisions.query(since_ms=100_000)] == [120_000]


def test_money_as_float_is_refused(store: DaemonStore):
    with pytest.raises(TypeError, match="money must be a Decimal"):
        store.equity.insert("b1", 3, "USDT", 1000.1, Decimal(0))  # type: ignore[arg-type]


def test_event_filters_by_bot_kind_severity_time_and_limit(store: DaemonStore):
    store.bots.insert(make_bot("b2", "eth"))
    store.events.insert_many([
        Event(EventKind.BOT_STATE, 10, "b1 online", bot_id="b1"),
        Event(EventKind.ACTIVITY, 20, "b2 note", bot_id="b2", severity=Severity.DEBUG),
        Event(EventKind.ALERT, 30, "b1 alarm", bot_id="b1", severity=Severity.ERROR),
        Event(EventKind.HEALTH, 40, "daemon up"),
    ])
    q = store.events.query
    assert [e.message for e in q(bot_id="b1")] == ["b1 online", "b1 alarm"]
    assert [e.message for e in q(kinds=[EventKind.HEALTH, EventKind.ACTIVITY])] == [
        "b2 note", "daemon up"]
    assert [e.message for e in q(min_severity=Severity.WARNING)] == ["b1 alarm"]
    assert [e.message for e in q(since_ms=25)] == ["b1 alarm", "daemon up"]
    assert [e.message for e in q(limit=2)] == ["b1 alarm", "daemon up"]  # the latest two
    assert [e.message for e in q(since_ms=0, limit=1)] == ["b1 online"]  # first after since
    assert store.events.last_id() == 4


def test_bot_soft_delete_frees_the_name_and_keeps_history(store: DaemonStore):
    store.events.insert(Event(EventKind.ACTIVITY, 1, "history", bot_id="b1"))
    store.bots.mark_deleted("b1", 2)
    assert store.bots.get("b1") is None and store.bots.all() == []
    store.bots.insert(make_bot("b3"))  # same name, new bot
    assert store.bots.resolve("btc-trend").id == "b3"
    assert [e.message for e in store.events.query(bot_id="b1")] == ["history"]


def test_template_versions_increment_only_on_change(store: DaemonStore):
    assert store.templates.put("trend", "a = 1\n", 1).version == 1
    assert store.templates.put("trend", "a = 1\n", 2).version == 1
    assert store.templates.put("trend", "a = 2\n", 3).version == 2
    assert [t.name for t in store.templates.all()] == ["trend"]
