"""Issue 14 faults, end to end: a live-mode (testnet) bot in the daemon service against the
local BitMEX server misbehaving on purpose. Each fault must cost neither a duplicate order
nor the bot: the outcome-unknown order is resolved by clOrdID, the in-doubt one is looked up
rather than rejected, a foreign row or a refused websocket auth leaves the bot trading."""

from __future__ import annotations

from plutarc.daemon.lifecycle import BotState
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import LiveRig, until

ORDER = {"path": "/api/v1/order", "exact": True, "method": "POST"}


def _events(rig: LiveRig, bot_id: str, kind: EventKind | None = None) -> list[str]:
    kinds = [kind] if kind else []
    return [e.message for e in rig.store.events.query(bot_id=bot_id, kinds=kinds, limit=500)]


async def _online(rig: LiveRig, name: str) -> str:
    bot_id = await rig.bot(name)
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    return bot_id


async def _until(rig: LiveRig, bot_id: str, done, bars: int = 60) -> None:  # noqa: ANN001
    for _ in range(bars):
        await rig.advance()
        if done():
            return
    raise AssertionError(f"not reached in {bars} bars: {_events(rig, bot_id)[-12:]}")


def _in_position(rig: LiveRig, bot_id: str) -> bool:
    position = rig.store.positions.get(bot_id, "BTCUSD")
    return position is not None and position.qty != 0


async def test_a_504_after_accept_is_placed_once_and_resolved_by_clordid(rig: LiveRig) -> None:
    bot_id = await _online(rig, "gateway")
    rig.server.faults.arm({"kind": "error_after_accept", "status": 504, **ORDER})
    await _until(rig, bot_id, lambda: _in_position(rig, bot_id))
    ex = rig.server.exchange
    assert ex.accepted_orders and all(n == 1 for n in ex.accepted_orders.values())
    assert "error_after_accept POST /api/v1/order" in ex_history(rig)
    orders = rig.store.orders.query(bot_id=bot_id, limit=100)
    first = min(orders, key=lambda o: o.journaled_ms)  # the 504-answered entry
    assert first.client_id in ex.accepted_orders and first.status != "rejected"
    assert first.venue_id and first.acked_ms  # acked from its clOrdID lookup
    assert not rig.service.get_bot(bot_id).needs_operator


def ex_history(rig: LiveRig) -> list[str]:
    return list(rig.server.faults.history)


async def test_duplicate_clordid_with_nothing_found_is_in_doubt_not_rejected(
        rig: LiveRig) -> None:
    bot_id = await _online(rig, "dupdoubt")
    rig.server.faults.arm({"kind": "reject", "status": 400, "message": "Duplicate clOrdID",
                           **ORDER})
    await _until(rig, bot_id, lambda: any("looking it up by client id" in m
                                          for m in _events(rig, bot_id, EventKind.ORDER)))
    order_events = _events(rig, bot_id, EventKind.ORDER)
    assert not any("rejected by" in m for m in order_events)  # in doubt, never "rejected"
    assert not rig.service.get_bot(bot_id).needs_operator  # doubt does not hold the bot
    await _until(rig, bot_id, lambda: _in_position(rig, bot_id))  # and it trades on
    assert all(n == 1 for n in rig.server.exchange.accepted_orders.values())


async def test_an_unknown_exec_type_on_another_symbol_leaves_the_bot_trading(
        rig: LiveRig) -> None:
    bot_id = await _online(rig, "foreign")
    rig.server.faults.arm({"kind": "foreign_row", "symbol": "ETHUSD",
                           "value": "FutureExecType", "count": 5})
    await _until(rig, bot_id, lambda: rig.store.trades.query(bot_id=bot_id))
    assert any(h.startswith("foreign_row") for h in ex_history(rig))
    assert rig.service.get_bot(bot_id).state is BotState.ONLINE
    assert rig.store.fills.query(bot_id=bot_id, limit=10)


async def test_a_websocket_auth_answered_503_reconnects_and_the_bot_trades(
        rig: LiveRig) -> None:
    rig.server.faults.arm({"kind": "ws_auth_error", "status": 503, "count": 2})
    bot_id = await _online(rig, "authretry")
    await _until(rig, bot_id, lambda: rig.store.fills.query(bot_id=bot_id, limit=1))
    assert sum(h == "ws_auth_error" for h in ex_history(rig)) == 2
    assert rig.service.get_bot(bot_id).state is BotState.ONLINE


async def test_an_unknown_exec_type_on_our_own_order_is_an_alert_and_the_bot_trades_on(
        rig: LiveRig) -> None:
    bot_id = await _online(rig, "ownrow")
    rig.server.faults.arm({"kind": "foreign_row", "symbol": "", "value": "FutureExecType"})
    await _until(rig, bot_id, lambda: any("not understood" in m for m in
                                          _events(rig, bot_id, EventKind.ALERT)))
    alert = next(e for e in rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ALERT],
                                                   limit=100) if "not understood" in e.message)
    assert "FutureExecType" in alert.message
    assert alert.data["client_id"] in rig.server.exchange.accepted_orders
    await _until(rig, bot_id, lambda: rig.store.trades.query(bot_id=bot_id))
    assert rig.service.get_bot(bot_id).state is BotState.ONLINE


async def test_after_a_restart_an_unknown_status_on_our_resting_stop_is_an_alert(
        rig: LiveRig) -> None:
    bot_id = await _online(rig, "claimed")
    await _until(rig, bot_id, lambda: _in_position(rig, bot_id))
    await until(lambda: any(o.tag == "stop" and o.status == "new"
                            for o in rig.store.orders.query(bot_id=bot_id, limit=100)))
    await rig.service.stop_bot(bot_id, "tester")
    await rig.service.start_bot(bot_id, "tester")  # a new adapter: it sent nothing yet
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    stop = next(o for o in rig.store.orders.query(bot_id=bot_id, limit=100) if o.tag == "stop")
    row = rig.server.exchange.find(cl_ord_id=stop.client_id)
    assert row is not None
    rig.server.hub.publish("order", "update", [{"orderID": row["orderID"],
                                                "symbol": row["symbol"],
                                                "ordStatus": "Parked"}])
    await until(lambda: any("ordStatus: 'Parked'" in m
                            for m in _events(rig, bot_id, EventKind.ALERT)))
    assert rig.service.get_bot(bot_id).state is BotState.ONLINE
