"""Reconcile while connected (issue 24): the periodic check compares the venue's open orders
with the journal on the local BitMEX server. An order the journal does not know, or holds
as closed, is an ALERT showing both sides, once, and is never cancelled; the checks are
spread by jitter."""

from __future__ import annotations

import random
from decimal import Decimal

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.lifecycle import BotState
from plutarc.daemon.live import LiveWorker
from plutarc.daemon.live.safety import RECONCILE_EVERY_S, PositionWatch
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import LiveRig, until
from tests.daemon.live.test_live_worker import _until_in_position
from tests.exchanges.bitmex.conftest import adapter_for


def _alerts(rig: LiveRig, bot_id: str, client_id: str) -> list:
    return [e for e in rig.store.events.query(bot_id=bot_id, kinds=[EventKind.ALERT], limit=500)
            if e.data.get("client_id") == client_id]


async def _open_at_venue(rig: LiveRig) -> set[str]:
    venue = adapter_for(rig.server)
    try:
        return {o.client_id for o in await venue.open_orders()}
    finally:
        await venue.close()


def _watched(rig: LiveRig) -> list[LiveWorker]:
    workers: list[LiveWorker] = []

    def make(_bot) -> LiveWorker:  # noqa: ANN001 - BotRecord
        worker = LiveWorker(lambda _b: adapter_for(rig.server), give_up_s=1.0,
                            position_check_s=0.3)
        workers.append(worker)
        return worker

    rig.service.supervisor.registry.register("watched", make, modes=["testnet"])
    return workers


async def _checks_after(workers: list[LiveWorker], n: int) -> None:
    target = workers[-1].watch.checks + n
    await until(lambda: workers[-1].watch.checks >= target, timeout_s=15)


async def test_an_order_the_journal_does_not_know_is_alerted_once_and_left_alone(
        rig: LiveRig) -> None:
    workers = _watched(rig)
    spec = BotSpec(name="orders", template="quick_cross", venue="watched", mode="testnet",
                   account="main", symbols=("BTCUSD",))
    bot_id = (await rig.service.create_bot(spec, "tester", start=True)).id
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    manual = adapter_for(rig.server)
    try:
        await manual.place_order(OrderRequest("by-hand-bid", "BTCUSD", Side.BUY,
                                              OrderType.LIMIT, Decimal(100), Decimal(1000)))
        await until(lambda: _alerts(rig, bot_id, "by-hand-bid"), timeout_s=15)
        await _checks_after(workers, 3)
        [alert] = _alerts(rig, bot_id, "by-hand-bid")  # once, not at every check
        assert alert.data["venue"] == "open buy limit 100 of 100 @ 1000"
        assert alert.data["journal"] == "not in this bot's journal"
        assert "left alone" in alert.message and "open-order check, periodic" in alert.message
        assert "by-hand-bid" in await _open_at_venue(rig)  # never cancelled
        assert rig.store.orders.get("by-hand-bid") is None  # never adopted

        await manual.cancel_order("by-hand-bid")
        await until(lambda: any("by-hand-bid no longer disagrees" in e.message
                                for e in rig.store.events.query(
                                    bot_id=bot_id, kinds=[EventKind.ACTIVITY], limit=500)),
                    timeout_s=15)
    finally:
        await manual.close()


async def test_a_resting_stop_the_journal_holds_as_closed_is_alerted(rig: LiveRig) -> None:
    workers = _watched(rig)
    spec = BotSpec(name="stale", template="quick_cross", venue="watched", mode="testnet",
                   account="main", symbols=("BTCUSD",))
    bot_id = (await rig.service.create_bot(spec, "tester", start=True)).id
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    await _until_in_position(rig, bot_id)
    await until(lambda: any(o.tag == "stop" and o.status == OrderStatus.NEW
                            for o in rig.store.orders.query(bot_id=bot_id, open_only=True)))
    [stop] = [o for o in rig.store.orders.query(bot_id=bot_id, open_only=True)
              if o.tag == "stop" and o.status == OrderStatus.NEW]
    # The journal loses track of it (as a wrongly recorded cancel would): the venue still
    # lists it open, and the check says so instead of trusting either side.
    rig.store.orders.update_status(stop.client_id, OrderStatus.CANCELED, 1, reason="test")
    await until(lambda: _alerts(rig, bot_id, stop.client_id), timeout_s=15)
    [alert] = _alerts(rig, bot_id, stop.client_id)
    assert alert.data["journal"] == "canceled in the journal (test)"
    assert alert.data["venue"].startswith("open sell stop") or alert.data["venue"].startswith(
        "open buy stop")
    await _checks_after(workers, 2)
    assert stop.client_id in await _open_at_venue(rig)  # left alone


def test_periodic_checks_default_to_five_minutes_jittered() -> None:
    watch = PositionWatch(rng=random.Random(7))
    waits = [watch.interval_s() for _ in range(200)]
    assert watch.every_s == RECONCILE_EVERY_S == 300.0
    assert all(240.0 <= w <= 360.0 for w in waits)
    assert max(waits) - min(waits) > 60.0  # spread, not in step
    assert LiveWorker(lambda _b: None).watch.every_s == 300.0  # type: ignore[arg-type,return-value]
