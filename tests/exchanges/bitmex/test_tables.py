"""Websocket table semantics on recorded frames: partial, insert, update, delete."""

from __future__ import annotations

import json

from plutarc.exchanges.bitmex.tables import TableStore

from .conftest import RESOURCES, capture_lines


def frames() -> list[dict]:
    return [json.loads(p) for p in capture_lines() if p.startswith('{"table"')]


def test_capture_replays_into_consistent_tables():
    store = TableStore(max_rows=100_000)
    seen = {"partial": 0, "insert": 0, "update": 0, "delete": 0}
    for frame in frames():
        table, action, rows = store.apply(frame)
        seen[action] += 1
        if action == "update":
            # merged rows are complete: an L2 update without price keeps the stored price
            assert all("price" in r for r in rows) or table != "orderBookL2"
    assert seen["partial"] > 0 and seen["update"] > 0 and seen["insert"] > 0
    assert store.tables["quote"].keys == ()  # insert-only tables keep no rows
    assert not store.tables["quote"].rows


def test_deltas_before_their_partial_are_discarded():
    messages = json.loads((RESOURCES / "ws/tardis_messages.json").read_text())
    store = TableStore()
    # the first L2 message in the recording is an update that precedes any partial
    first_update = next(m for m in messages if m["table"] == "orderBookL2")
    assert first_update["action"] == "update"
    assert store.apply(first_update)[2] == []
    partial = next(m for m in messages if m["table"] == "orderBookL2"
                   and m["action"] == "partial" and m.get("keys") and m["data"])
    _table, _action, rows = store.apply(partial)
    assert rows and store.tables["orderBookL2"].keys == ("symbol", "id", "side")


def test_update_merges_and_delete_removes_by_keys():
    store = TableStore()
    store.apply({"table": "order", "action": "partial", "keys": ["orderID"],
                 "filter": {"account": 1}, "data": []})
    row = json.loads((RESOURCES / "ws/ws_order.json").read_text())
    store.apply({"table": "order", "action": "insert", "data": [row]})
    _t, _a, merged = store.apply({"table": "order", "action": "update", "data": [
        {"orderID": row["orderID"], "ordStatus": "Canceled", "leavesQty": 0}]})
    assert merged[0]["ordStatus"] == "Canceled" and merged[0]["price"] == 98000
    assert merged[0]["leavesQty"] == 0
    _t, _a, removed = store.apply({"table": "order", "action": "delete",
                                   "data": [{"orderID": row["orderID"]}]})
    assert removed[0]["orderID"] == row["orderID"]
    assert not store.tables["order"].rows


def test_symbol_partial_replaces_only_that_symbol():
    store = TableStore()
    base = {"table": "instrument", "action": "partial", "keys": ["symbol"]}
    store.apply({**base, "filter": {"symbol": "XBTUSD"}, "data": [{"symbol": "XBTUSD", "x": 1}]})
    store.apply({**base, "filter": {"symbol": "ETHUSD"}, "data": [{"symbol": "ETHUSD", "x": 2}]})
    store.apply({**base, "filter": {"symbol": "XBTUSD"}, "data": [{"symbol": "XBTUSD", "x": 3}]})
    rows = store.tables["instrument"].rows
    assert rows[("XBTUSD",)]["x"] == 3 and rows[("ETHUSD",)]["x"] == 2
    # a delta for a symbol without a partial is dropped
    assert store.apply({"table": "instrument", "action": "insert",
                        "data": [{"symbol": "LTCUSD"}]})[2] == []


def test_rows_are_bounded_and_executions_are_not_kept():
    store = TableStore(max_rows=10)
    store.apply({"table": "order", "action": "partial", "keys": ["orderID"], "filter": {},
                 "data": []})
    store.apply({"table": "execution", "action": "partial", "keys": ["execID"], "filter": {},
                 "data": []})
    for i in range(25):
        store.apply({"table": "order", "action": "insert",
                     "data": [{"orderID": str(i), "ordStatus": "Filled"}]})
        _t, _a, rows = store.apply({"table": "execution", "action": "insert",
                                    "data": [{"execID": str(i)}]})
        assert rows == [{"execID": str(i)}]  # passed on, one event each
    orders = store.tables["order"].rows
    assert len(orders) == 10 and ("24",) in orders and ("0",) not in orders
    assert not store.tables["execution"].rows
