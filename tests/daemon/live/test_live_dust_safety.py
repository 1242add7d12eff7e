"""Dust close at BitMEX when something is off (local BitMEX server, live workers in process):
the venue holds more than the bot's journal (nothing is sent), and a close whose outcome
stays unknown (in doubt in the journal, never resent, and no second close is sent).

The dust is made as in test_live_close_dust.py: a real position, then a lot-size change.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.ops import dust, stopping
from plutarc.errors import ConfigError, OrderStatusUnknown
from plutarc.models import OrderRequest, OrderType, Side
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import LiveRig, until
from tests.daemon.live.test_live_worker import _until_in_position
from tests.exchanges.bitmex.conftest import adapter_for

DUST_LOT = Decimal(1_000_000)


async def _stopped_in_position(rig: LiveRig, name: str) -> tuple[str, Decimal]:
    bot_id = await rig.bot(name)
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    await _until_in_position(rig, bot_id)
    await stopping.stop_bot(rig.service, bot_id, "tester", "leave")
    position = rig.store.positions.get(bot_id, "BTCUSD")
    assert position is not None
    return bot_id, position.qty


def _dust_orders(rig: LiveRig, bot_id: str) -> list:
    return [o for o in rig.store.orders.query(bot_id=bot_id, limit=500) if o.tag == "dust"]


def _sent(rig: LiveRig) -> dict[str, int]:
    return {k: n for k, n in rig.server.exchange.accepted_orders.items() if k.endswith("-dust")}


async def test_a_venue_position_bigger_than_the_bots_is_not_closed(rig: LiveRig) -> None:
    bot_id, held = await _stopped_in_position(rig, "shared")
    by_hand = adapter_for(rig.server)  # a trade by hand on the same account
    try:
        side = Side.BUY if held > 0 else Side.SELL
        await by_hand.place_order(OrderRequest("by-hand-1", "BTCUSD", side, OrderType.MARKET,
                                               Decimal(100)))
    finally:
        await by_hand.close()
    rig.server.exchange.set_lot_size("XBTUSD", DUST_LOT)
    assert [d.qty for d in await dust.list_dust(rig.service, "shared")] == [held]

    with pytest.raises(ConfigError, match=f"bitmex holds {held + 100 * side.sign} BTCUSD but "
                                          f"the journal {held}: the close takes the whole"):
        await dust.close_dust(rig.service, "tester", "shared")
    assert _sent(rig) == {} and _dust_orders(rig, bot_id) == []
    assert rig.store.positions.get(bot_id, "BTCUSD").qty == held


async def test_a_close_in_doubt_stays_in_the_journal_and_is_never_sent_again(
        rig: LiveRig) -> None:
    bot_id, held = await _stopped_in_position(rig, "doubtful")
    rig.server.exchange.set_lot_size("XBTUSD", DUST_LOT)
    # the close executes, its answer is lost, and every lookup by clOrdID fails
    rig.server.faults.arm({"kind": "timeout_after_accept", "mode": "drop",
                           "path": "/api/v1/order", "exact": True, "method": "POST"})
    rig.server.faults.arm({"kind": "reject", "status": 400, "path": "/api/v1/order",
                           "exact": True, "method": "GET", "count": 1000,
                           "message": "lookups fail in this test"})

    with pytest.raises(OrderStatusUnknown, match="NOT resent"):
        await dust.close_dust(rig.service, "tester", "doubtful")
    [order] = _dust_orders(rig, bot_id)
    assert order.status == "pending" and order.sent_ms is not None and order.acked_ms is None
    assert list(_sent(rig).values()) == [1]
    assert rig.server.exchange.venues["XBTUSD"].engine.position.qty == 0  # it did close
    alerts = [e.message for e in rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ALERT],
                                                        limit=50)]
    assert any(f"dust close {order.client_id} is in doubt" in m for m in alerts)

    rig.server.faults.clear()
    with pytest.raises(ConfigError, match=f"order {order.client_id} on BTCUSD is in doubt"):
        await dust.close_dust(rig.service, "tester", "doubtful")
    assert list(_sent(rig).values()) == [1]  # no second close
