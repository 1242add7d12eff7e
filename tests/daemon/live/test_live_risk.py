"""The risk layer in the live worker, against the local BitMEX server: gate, error policy,
operator holds, flatten, and the position watch."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.daemon.bot_config import BotSpec, RiskLimits
from plutarc.daemon.errors import InvalidTransition
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.live import LiveWorker
from plutarc.daemon.ops.operator import clear_bot
from plutarc.models import OrderRequest, OrderType, Side
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import LiveRig, until
from tests.daemon.live.test_live_worker import _events, _until_in_position
from tests.exchanges.bitmex.conftest import adapter_for


def _orders(rig: LiveRig, bot_id: str) -> list:
    return rig.store.orders.query(bot_id=bot_id, limit=200)


async def _online(rig: LiveRig, bot_id: str) -> None:
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)


async def test_a_503_is_retried_after_a_lookup_and_the_order_accepted_once(rig: LiveRig) -> None:
    bot_id = await rig.bot("retry")
    await _online(rig, bot_id)
    rig.server.faults.arm({"kind": "reject", "status": 503, "path": "/api/v1/order", "exact": True,
                           "method": "POST", "message": "The system is currently overloaded."})
    await _until_in_position(rig, bot_id)
    assert "reject POST /api/v1/order" in rig.server.faults.history
    first = _orders(rig, bot_id)[0]
    assert first.acked_ms is not None and first.status in ("new", "filled")
    assert rig.server.exchange.accepted_orders[first.client_id] == 1
    assert not any("in_doubt" in m or "looking it up" in m for m in _events(rig, bot_id))
    assert not rig.service.get_bot(bot_id).needs_operator


async def test_a_placement_that_timed_out_but_arrived_is_found_not_resent(rig: LiveRig) -> None:
    bot_id = await rig.bot("lost_answer")
    await _online(rig, bot_id)
    rig.server.faults.arm({"kind": "timeout_after_accept", "mode": "drop",
                           "path": "/api/v1/order", "exact": True, "method": "POST"})
    await _until_in_position(rig, bot_id)
    assert any(h.startswith("timeout_after_accept") for h in rig.server.faults.history)
    first = _orders(rig, bot_id)[0]
    assert first.acked_ms is not None
    assert all(n == 1 for n in rig.server.exchange.accepted_orders.values())


async def test_a_blocked_intent_is_a_risk_event_and_never_journaled(rig: LiveRig) -> None:
    spec = BotSpec(name="capped", template="quick_cross", venue="bitmex", mode="testnet",
                   account="main", symbols=("BTCUSD",),
                   # the gate values inverse positions in the settle currency (XBT)
                   risk=RiskLimits(max_position_notional=Decimal("0.001")))
    bot_id = (await rig.service.create_bot(spec, "tester", start=True)).id
    await _online(rig, bot_id)
    for _ in range(40):
        await rig.advance()
        if _events(rig, bot_id, EventKind.RISK):
            break
    risk = rig.store.events.query(bot_id=bot_id, kinds=[EventKind.RISK], limit=10)
    assert risk and risk[0].data["rule"] == "max_position_notional"
    assert risk[0].data["action"] == "blocked" and risk[0].data["limit"] == "0.001"
    blocked_id = risk[0].data["client_id"]
    assert rig.store.orders.get(blocked_id) is None  # never journaled
    assert not _orders(rig, bot_id) and not rig.server.exchange.accepted_orders
    await rig.advance(3)  # the kernel forgot it: it is not waiting for a fill that never comes
    assert rig.store.orders.get(blocked_id) is None and not rig.server.exchange.accepted_orders


async def test_a_final_rejection_pauses_the_bot_until_an_operator_clears_it(
        rig: LiveRig) -> None:
    bot_id = await rig.bot("held")
    await _online(rig, bot_id)
    rig.server.faults.arm({"kind": "reject", "status": 400, "path": "/api/v1/order", "exact": True,
                           "method": "POST", "message": "Account has insufficient Available "
                           "Balance, 0 XBt required"})
    for _ in range(40):
        await rig.advance()
        if rig.service.get_bot(bot_id).needs_operator:
            break
    bot = rig.service.get_bot(bot_id)
    assert bot.state is BotState.PAUSED and "InsufficientFunds" in (bot.needs_operator or "")
    first = _orders(rig, bot_id)[0]
    assert first.status == "rejected" and first.client_id not in (
        rig.server.exchange.accepted_orders)
    assert any("until an operator clears it" in m for m in _events(rig, bot_id, EventKind.ALERT))
    with pytest.raises(InvalidTransition, match="needs an operator"):
        rig.service.resume_bot(bot_id, "tester")
    await rig.advance(5)  # paused: no entries while held
    assert not rig.server.exchange.accepted_orders
    clear_bot(rig.service, bot_id, "tester")
    assert rig.service.get_bot(bot_id).state is BotState.ONLINE
    await _until_in_position(rig, bot_id)


async def test_flatten_cancels_every_order_and_closes_with_a_reduce_only_market_order(
        rig: LiveRig) -> None:
    bot_id = await rig.bot("flat")
    await _online(rig, bot_id)
    await _until_in_position(rig, bot_id)
    await until(lambda: any(o.tag == "stop" and o.status == "new"
                            for o in _orders(rig, bot_id)))
    rig.service.flatten_bot(bot_id, "tester")
    await until(lambda: any(o.tag == "exit" for o in _orders(rig, bot_id)))
    await rig.advance()  # the local server fills market orders at the next bar
    await until(lambda: rig.store.positions.get(bot_id, "BTCUSD") is None or (
        rig.store.positions.get(bot_id, "BTCUSD").qty == 0))
    orders = _orders(rig, bot_id)
    assert not [o for o in orders if o.status in ("new", "pending", "partially_filled")]
    stop = next(o for o in orders if o.tag == "stop")
    assert stop.status == "canceled"
    exit_ = orders[-1]
    assert exit_.tag == "exit" and exit_.reduce_only and exit_.type == "market"
    venue = adapter_for(rig.server)
    try:
        assert not await venue.open_orders()
        assert all(p.is_flat for p in await venue.positions())
    finally:
        await venue.close()
    assert rig.service.get_bot(bot_id).state is BotState.PAUSED


async def _by_hand(rig: LiveRig, client_id: str, qty: int) -> None:
    manual = adapter_for(rig.server)
    try:
        await manual.place_order(OrderRequest(client_id, "BTCUSD", Side.BUY, OrderType.MARKET,
                                              Decimal(qty)))
    finally:
        await manual.close()


@pytest.mark.parametrize("trigger", ["periodic", "reconnect"])
async def test_the_position_watch_alerts_on_a_mismatch_and_never_closes_it(
        rig: LiveRig, trigger: str) -> None:
    every_s = 0.3 if trigger == "periodic" else 3600.0
    rig.service.supervisor.registry.register("watched", lambda _b: LiveWorker(
        lambda _bot: adapter_for(rig.server), give_up_s=1.0, position_check_s=every_s),
        modes=["testnet"])
    spec = BotSpec(name="watched", template="quick_cross", venue="watched", mode="testnet",
                   account="main", symbols=("BTCUSD",))
    bot_id = (await rig.service.create_bot(spec, "tester", start=True)).id
    await _online(rig, bot_id)
    await _by_hand(rig, "by-hand-2", 300)
    rig.server.advance(1)
    if trigger == "reconnect":
        rig.server.hub.drop_all()

    def alerted() -> list[str]:
        return [m for m in _events(rig, bot_id, EventKind.ALERT) if f"({trigger}" in m
                or f"check, {trigger}" in m]

    await until(alerted, timeout_s=15)
    assert "left alone" in alerted()[0]
    bot_orders = {o.client_id for o in _orders(rig, bot_id)}
    assert set(rig.server.exchange.accepted_orders) - bot_orders == {"by-hand-2"}
    ours = rig.store.positions.get(bot_id, "BTCUSD")
    venue = adapter_for(rig.server)
    try:
        at_venue = {p.symbol: p.qty for p in await venue.positions()}.get("BTCUSD", Decimal(0))
    finally:
        await venue.close()
    assert at_venue - (ours.qty if ours else 0) == 300  # the stranger's contracts stay
