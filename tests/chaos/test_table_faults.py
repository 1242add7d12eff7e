"""Websocket faults aimed at one table (the chaos suite duplicates and reorders executions)."""

from __future__ import annotations

import json

from plutarc.exchanges.bitmex_sim.faults import Faults
from plutarc.exchanges.bitmex_sim.ws import _table_of


def test_a_table_fault_fires_only_on_that_tables_frames() -> None:
    faults = Faults()
    faults.arm({"kind": "duplicate", "count": 2, "table": "execution"})
    assert faults.take("duplicate", table="trade") is None
    assert faults.take("duplicate", table="execution") is not None
    assert faults.take("duplicate", table="execution") is not None
    assert faults.take("duplicate", table="execution") is None  # used up
    faults.arm({"kind": "reorder"})  # no table: any data frame
    assert faults.take("reorder", table="instrument") is not None


def test_the_table_is_read_from_a_dumped_frame() -> None:
    frame = json.dumps({"table": "execution", "action": "insert", "data": []})
    assert _table_of(frame) == "execution"
    assert _table_of('{"info": "Welcome"}') == ""
