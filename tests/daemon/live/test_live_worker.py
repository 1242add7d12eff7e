"""LiveWorker in-process against the local BitMEX server: trading, doubt, restarts, alerts."""

from __future__ import annotations

from decimal import Decimal

from plutarc.daemon.bot_config import BotSpec
from plutarc.daemon.lifecycle import BotState
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import QUICK_TEMPLATE, LiveRig, until


async def test_enters_and_exits_with_a_resting_reduce_only_stop(rig: LiveRig) -> None:
    bot_id = await rig.bot("quick")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    for _ in range(60):
        await rig.advance()
        if rig.store.trades.query(bot_id=bot_id):
            break
    trades = rig.store.trades.query(bot_id=bot_id)
    assert trades, [e.message for e in rig.store.events.query(bot_id=bot_id, limit=50)]
    orders = rig.store.orders.query(bot_id=bot_id, limit=100)
    stops = [o for o in orders if o.tag == "stop"]
    assert stops and all(o.reduce_only and o.type == "stop_market" for o in stops)
    ex = rig.server.exchange
    assert all(n == 1 for n in ex.accepted_orders.values())
    fills = rig.store.fills.query(bot_id=bot_id, limit=100)
    venue_execs = {r["execID"]: r for r in ex.executions if r["execType"] == "Trade"}
    assert {f.fill_id for f in fills} <= set(venue_execs)
    first = trades[0]
    entry = venue_execs[next(f.fill_id for f in fills if f.tag == "entry")]
    assert Decimal(str(entry["lastPx"])) == first.entry_price


def _events(rig: LiveRig, bot_id: str, kind: EventKind | None = None) -> list[str]:
    kinds = [kind] if kind else []
    return [e.message for e in rig.store.events.query(bot_id=bot_id, kinds=kinds, limit=500)]


async def _until_in_position(rig: LiveRig, bot_id: str, bars: int = 60) -> None:
    for _ in range(bars):
        await rig.advance()
        position = rig.store.positions.get(bot_id, "BTCUSD")
        if position is not None and position.qty != 0:
            return
    raise AssertionError(f"no position after {bars} bars: {_events(rig, bot_id)[-10:]}")


async def test_an_order_the_venue_never_got_is_given_up_not_resent(rig: LiveRig) -> None:
    bot_id = await rig.bot("doubt")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    # the venue stays overloaded for every retry of the first placement: it never arrives
    rig.server.faults.arm({"kind": "reject", "status": 503, "path": "/api/v1/order", "exact": True,
                           "method": "POST", "count": 1000,
                           "message": "The system is currently overloaded."})
    for _ in range(40):
        await rig.advance()
        if any("never reached the venue" in m for m in _events(rig, bot_id)):
            break
    first = rig.store.orders.query(bot_id=bot_id, limit=100)[0]
    assert first.status == "rejected" and "never reached the venue" in (first.reason or "")
    assert first.client_id not in rig.server.exchange.accepted_orders
    assert any("looking it up by client id" in m for m in _events(rig, bot_id, EventKind.ORDER))
    # the kernel stopped waiting for it: later signals trade under new ids
    rig.server.faults.clear()
    await _until_in_position(rig, bot_id)
    assert all(n == 1 for n in rig.server.exchange.accepted_orders.values())
    assert not rig.service.get_bot(bot_id).needs_operator  # transient: no operator needed


async def test_a_restart_mid_position_rebuilds_the_kernel_and_sends_nothing_twice(
        rig: LiveRig) -> None:
    bot_id = await rig.bot("restart")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    await _until_in_position(rig, bot_id)
    await until(lambda: any(o.tag == "stop" and o.status == "new"
                            for o in rig.store.orders.query(bot_id=bot_id, limit=100)))
    await rig.service.stop_bot(bot_id, "tester")
    await rig.advance(1)  # the market moves on while the bot is away
    await rig.service.start_bot(bot_id, "tester")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    assert any("rebuilt from 1 stored fills and 1 open orders" in m
               for m in _events(rig, bot_id))
    for _ in range(10):
        await rig.advance()
        if rig.store.trades.query(bot_id=bot_id):
            break
    trade = rig.store.trades.query(bot_id=bot_id)[0]
    entry_fill = next(f for f in rig.store.fills.query(bot_id=bot_id) if f.tag == "entry")
    assert trade.entry_price == entry_fill.price and trade.exit_reason == "time_stop"
    assert all(n == 1 for n in rig.server.exchange.accepted_orders.values())
    stop = next(o for o in rig.store.orders.query(bot_id=bot_id, limit=100) if o.tag == "stop")
    assert stop.status == "canceled"  # cancelled once the position closed
    assert not [e for e in _events(rig, bot_id, EventKind.ALERT)]


async def test_a_venue_position_the_bot_does_not_know_is_an_alert_and_left_alone(
        rig: LiveRig) -> None:
    from plutarc.models import OrderRequest, OrderType, Side
    from tests.exchanges.bitmex.conftest import adapter_for

    manual = adapter_for(rig.server)
    try:
        await manual.place_order(OrderRequest("by-hand-1", "BTCUSD", Side.BUY, OrderType.MARKET,
                                              Decimal(500)))
        rig.server.advance(1)
    finally:
        await manual.close()
    rig.server.faults.arm({"kind": "reject", "status": 400, "path": "/api/v1/position/leverage",
                           "message": "Leverage is locked for this account"})
    bot_id = await rig.bot("stranger")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    alerts = _events(rig, bot_id, EventKind.ALERT)
    assert any("500 BTCUSD: a position this bot does not know; left alone" in m for m in alerts)
    assert any("refused leverage 2.0 on BTCUSD" in m for m in _events(rig, bot_id))
    assert len(rig.server.exchange.accepted_orders) == 1  # nothing sent to 'fix' it


async def test_a_template_needing_candles_the_venue_cannot_serve_stays_online_and_says_so(
        rig: LiveRig) -> None:
    from plutarc.daemon.live import LiveWorker
    from plutarc.errors import UsageError
    from plutarc.exchanges.bitmex import BitmexAdapter
    from tests.exchanges.bitmex.conftest import adapter_for

    class OneMinuteOnly(BitmexAdapter):
        """A venue that lists only 1m candles (a hand-written stand-in for such venues)."""

        async def candles(self, symbol, interval, start_ms, end_ms):  # noqa: ANN001, ANN202
            if interval != "1m":
                raise UsageError(f"no {interval!r} candles here; known: 1m")
            return await super().candles(symbol, interval, start_ms, end_ms)

    def one_minute_only(_bot):  # noqa: ANN001, ANN202
        plain = adapter_for(rig.server)
        return OneMinuteOnly(plain.config, plain._credentials)

    rig.service.supervisor.registry.register("slowvenue", lambda _b: LiveWorker(one_minute_only))
    rig.service.put_template("five_minute", QUICK_TEMPLATE.replace('"1m"', '"5m"').replace(
        "quick_cross", "five_minute"), "tester")
    spec = BotSpec(name="five", template="five_minute", venue="slowvenue", mode="testnet",
                   symbols=("BTCUSD",))
    bot_id = (await rig.service.create_bot(spec, "tester", start=True)).id
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    await rig.advance(2)
    assert rig.service.get_bot(bot_id).state is BotState.ONLINE
    assert any("cannot serve the 5m candles" in m and "stays online" in m
               for m in _events(rig, bot_id))
    assert not rig.server.exchange.accepted_orders


async def test_dust_on_the_venue_is_measured_by_the_specs_the_bot_loaded(rig: LiveRig) -> None:
    from plutarc.daemon.ops.dust import find_dust, instrument_for
    from plutarc.models import Position

    bot_id = await rig.bot("quick")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    bot = rig.service.get_bot(bot_id)
    spec = instrument_for(bot.venue, "BTCUSD")
    assert spec is not None and spec.lot_size > 1  # the venue's own lot, not a guess
    half_lot = spec.lot_size / 2
    rig.store.positions.upsert(bot_id, Position("BTCUSD", half_lot, Decimal(42000)))
    dust = find_dust(rig.service, bot_id)
    assert [(d.symbol, d.qty, d.min_qty) for d in dust] == [
        ("BTCUSD", half_lot, max(spec.min_qty, spec.lot_size))]


async def test_a_journal_open_stop_the_venue_does_not_know_is_an_alert_and_placed_again(
        rig: LiveRig) -> None:
    bot_id = await rig.bot("forgotten")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    await _until_in_position(rig, bot_id)
    await until(lambda: any(o.tag == "stop" and o.status == "new"
                            for o in rig.store.orders.query(bot_id=bot_id, limit=100)))
    await rig.service.stop_bot(bot_id, "tester")
    old = next(o for o in rig.store.orders.query(bot_id=bot_id, limit=100)
               if o.tag == "stop" and o.status == "new")
    ex = rig.server.exchange  # the venue loses the order without a trace
    order_id = ex.by_cl_ord_id.pop(old.client_id)
    ex.cancel(order_id)
    del ex.orders[order_id]

    await rig.service.start_bot(bot_id, "tester")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    alerts = _events(rig, bot_id, EventKind.ALERT)
    assert any(f"order {old.client_id} (stop) was open in the journal but bitmex does not "
               "know it: marked gone; its protection is placed again" in m for m in alerts)
    orders = rig.store.orders.query(bot_id=bot_id, limit=100)
    assert next(o for o in orders if o.client_id == old.client_id).status == "canceled"
    await until(lambda: any(o.tag == "stop" and o.status == "new" and o.client_id
                            != old.client_id for o in rig.store.orders.query(bot_id=bot_id,
                                                                              limit=100)))
