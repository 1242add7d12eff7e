"""The bot detail's 'latest N rows of one bot' reads walk an index and stop after N rows.

The statements are the ones the tables really run (caught with SQLite's trace hook), so a
change to the query builder or a dropped index shows up here as a full read plus a sort.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from plutarc.daemon.bot_config import RiskLimits
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.store import BotRecord, DaemonStore, NewDecision
from plutarc.models import Direction, OrderRequest, OrderStatus, OrderType, Side, Trade


@pytest.fixture
def store() -> DaemonStore:
    s = DaemonStore.open(":memory:")
    for n in range(3):
        s.bots.insert(BotRecord(
            id=f"b{n}", name=f"bot-{n}", template="t", venue="idle", account="", mode="paper",
            symbols=("BTCUSDT",), risk=RiskLimits(), state=BotState.STOPPED,
            state_reason="", plutarc_version="0", created_ms=1, updated_ms=1,
            last_heartbeat_ms=None, config_version=1))
    with s.transaction():
        for i in range(300):
            bot = f"b{i % 3}"
            s.trades.insert(bot, Trade("BTCUSDT", Direction.LONG, Decimal(1), i, Decimal(100),
                                       i + 1, Decimal(101), Decimal(1), Decimal(0), Decimal(0),
                                       "signal"))
            s.equity.insert(bot, i, "USDT", Decimal(10_000 + i), Decimal(0))
            s.decisions.insert(NewDecision(bot, "BTCUSDT", i, "none", 0.1))
    s.db.execute("ANALYZE")  # the planner sees a realistic spread of bots
    return s


def plan_of(store: DaemonStore, read: Callable[[], object]) -> str:
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)  # the SQL with its values bound
    try:
        read()
    finally:
        store.db.conn.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, statements
    rows = store.db.conn.execute("EXPLAIN QUERY PLAN " + selects[0]).fetchall()
    return "\n".join(str(tuple(r)[-1]) for r in rows)


@pytest.mark.parametrize(("table", "index"), [("trades", "trades_bot_id"),
                                              ("equity", "equity_bot_id"),
                                              ("decisions", "decisions_bot_id")])
def test_latest_rows_of_one_bot_walk_the_bot_id_index(store: DaemonStore, table: str,
                                                      index: str) -> None:
    read = getattr(store, table).query
    plan = plan_of(store, lambda: read(bot_id="b1", limit=20))
    # One temporary sort only: the outer one that turns the 20 newest into oldest first.
    assert f"USING INDEX {index} (bot_id=?)" in plan, plan
    assert plan.count("TEMP B-TREE") == 1, plan
    times = [r.exit_ts_ms - 1 if table == "trades" else r.ts_ms
             for r in read(bot_id="b1", limit=20)]
    assert times == list(range(298 - 19 * 3, 299, 3))  # bot b1's newest 20, oldest first


def test_open_orders_before_a_send_walk_the_open_index_not_the_bots_history(
        store: DaemonStore) -> None:
    """The risk gate asks for a bot's open orders on a symbol before every send: through the
    partial index of open orders, so the answer does not slow down as the bot's journal grows
    (through the bot's time index it read every order the bot ever journaled)."""
    with store.transaction():
        for i in range(600):
            for bot in ("b0", "b1"):
                request = OrderRequest(f"{bot}-{i}", "BTCUSDT", Side.BUY, OrderType.MARKET,
                                       Decimal(1))
                store.orders.journal_intent(bot, request, i)
                if i < 598:  # all but the two newest are done
                    store.orders.update_status(request.client_id, OrderStatus.FILLED, i)
        stop = OrderRequest("b1-stop", "BTCUSDT", Side.SELL, OrderType.STOP_MARKET,
                            Decimal(2), stop_price=Decimal(90), reduce_only=True)
        store.orders.journal_intent("b1", stop, 700)
        store.orders.update_status(stop.client_id, OrderStatus.PARTIALLY_FILLED, 701,
                                   filled_qty=Decimal("0.5"))
        other = OrderRequest("b1-eth", "ETHUSDT", Side.BUY, OrderType.MARKET, Decimal(1))
        store.orders.journal_intent("b1", other, 702)
    for analyzed in (False, True):  # without statistics (a daemon's usual state) and with
        if analyzed:
            store.db.execute("ANALYZE")
        plan = plan_of(store, lambda: store.orders.open_on("b1", "BTCUSDT"))
        assert "USING INDEX orders_open" in plan, (analyzed, plan)
    rows = store.orders.open_on("b1", "BTCUSDT")
    assert sorted((r["client_id"], r["filled_qty"], r["reduce_only"]) for r in rows) == [
        ("b1-598", "0", 0), ("b1-599", "0", 0), ("b1-stop", "0.5", 1)]


def test_whether_a_bot_has_an_open_order_walks_the_open_index(store: DaemonStore) -> None:
    """Asked at every close of a bot with trading sessions (is it flat everywhere?): a flat
    bot's 'no' must not read every order it ever journaled."""
    with store.transaction():
        for i in range(600):
            request = OrderRequest(f"b1-{i}", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal(1))
            store.orders.journal_intent("b1", request, i)
            store.orders.update_status(request.client_id, OrderStatus.FILLED, i)
        store.orders.journal_intent("b2", OrderRequest("b2-1", "ETHUSDT", Side.BUY,
                                                       OrderType.MARKET, Decimal(1)), 1)
    for ask in (lambda: store.orders.has_open("b1"),
                lambda: store.orders.has_open("b1", "BTCUSDT")):
        plan = plan_of(store, ask)
        assert "USING INDEX orders_open" in plan, plan
    assert not store.orders.has_open("b1") and not store.orders.has_open("b1", "BTCUSDT")
    assert store.orders.has_open("b2") and store.orders.has_open("b2", "ETHUSDT")
    assert not store.orders.has_open("b2", "BTCUSDT")
