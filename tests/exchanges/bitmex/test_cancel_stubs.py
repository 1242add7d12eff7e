"""Issue 14 item 7: cancel answers carry stub rows BitMEX cannot resolve; BitMEX has already
cancelled when it answers, so what is ours is parsed and the rest is logged, never raised."""

from __future__ import annotations

import logging
from decimal import Decimal

from plutarc.models import OrderRequest, OrderStatus, OrderType, Side

from .conftest import load

D = Decimal
STUB = load("faults/cancel_reject_stub_2025.json")  # the real row: no symbol/side/clOrdID


def resting(cid: str, price: int = 20000) -> OrderRequest:
    return OrderRequest(cid, "BTCUSD", Side.BUY, OrderType.LIMIT, D(100), price=D(price))


async def test_cancel_all_with_stub_rows_returns_ours_and_logs_the_rest(adapter, server, caplog):
    await adapter.place_order(resting("rest-1"))
    await adapter.place_order(resting("rest-2", 20001))
    server.faults.arm({"kind": "stub_rows", "count_rows": 2, "path": "/api/v1/order/all",
                       "method": "DELETE"})
    with caplog.at_level(logging.INFO, "plutarc.exchanges.bitmex"):
        swept = await adapter.cancel_all("BTCUSD")
    assert sorted(o.client_id for o in swept) == ["rest-1", "rest-2"]
    assert all(o.status is OrderStatus.CANCELED for o in swept)
    assert sum("Invalid orderID" in r.getMessage() for r in caplog.records) == 2


async def test_cancel_with_a_stub_row_beside_ours_returns_ours(adapter, server):
    await adapter.place_order(resting("rest-3"))
    server.faults.arm({"kind": "stub_rows", "path": "/api/v1/order", "exact": True,
                       "method": "DELETE"})
    canceled = await adapter.cancel_order("rest-3")
    assert canceled.client_id == "rest-3" and canceled.status is OrderStatus.CANCELED


def test_the_recorded_stub_row_is_skipped_by_the_cancel_parser(adapter):
    filled = load("faults/cancel_filled_answer.json")  # recorded, trimmed upstream: no symbol
    assert adapter.orders.cancel_answer([STUB, *filled], "cancel-all") == []
    assert adapter.orders.cancel_answer({"not": "a list"}, "cancel-all") == []
