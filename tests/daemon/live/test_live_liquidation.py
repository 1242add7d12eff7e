"""A live bot liquidated on the local BitMEX server: booked as a fill, alerted, held."""

from __future__ import annotations

from decimal import Decimal

from plutarc.daemon.lifecycle import BotState
from plutarc.exchanges.bitmex_sim.liquidation import mark_print, on_liquidation
from plutarc.models import Fill, FillKind, Liquidity, Side
from plutarc.models.events import EventKind
from tests.daemon.live.conftest import LiveRig, until
from tests.daemon.live.test_live_worker import _events, _until_in_position


async def test_a_liquidation_is_booked_alerted_and_holds_the_bot(rig: LiveRig) -> None:
    bot_id = await rig.bot("liq")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    await _until_in_position(rig, bot_id)
    held = rig.store.positions.get(bot_id, "BTCUSD").qty
    await until(lambda: any(o.tag == "stop" and o.status == "new"
                            for o in rig.store.orders.query(bot_id=bot_id, limit=100)))
    stop = next(o for o in rig.store.orders.query(bot_id=bot_id, limit=100)
                if o.tag == "stop" and o.status == "new")
    venue_row = rig.server.exchange.positions["XBTUSD"]
    liq = venue_row["liquidationPrice"]
    assert venue_row["currentQty"] == held and liq is not None

    # the mark crosses the liquidation price: BitMEX cancels the orders and takes the position
    (execution,) = mark_print(rig.server.exchange, "XBTUSD", liq - 50 if held > 0 else liq + 50)
    await until(lambda: rig.service.get_bot(bot_id).needs_operator)

    fills = rig.store.fills.query(bot_id=bot_id, limit=100)
    forced = [f for f in fills if f.fill_id == execution["execID"]]
    assert len(forced) == 1 and forced[0].tag == "liquidation" and forced[0].qty == abs(held)
    trade = rig.store.trades.query(bot_id=bot_id)[-1]
    assert trade.exit_reason == "liquidation" and trade.net_pnl < 0
    assert rig.store.positions.get(bot_id, "BTCUSD").qty == 0
    cancelled = rig.store.orders.get(stop.client_id)
    assert cancelled is not None and cancelled.status == "canceled"
    assert "liquidated" in (cancelled.reason or "")
    alerts = _events(rig, bot_id, EventKind.ALERT)
    assert any("liquidated" in m and "no new entries" in m for m in alerts), alerts
    bot = rig.service.get_bot(bot_id)
    assert bot.state is BotState.PAUSED and "liquidated" in (bot.needs_operator or "")

    # held: no new entries while the market goes on
    journaled = len(rig.store.orders.query(bot_id=bot_id, limit=1000))
    await rig.advance(20)
    assert len(rig.store.orders.query(bot_id=bot_id, limit=1000)) == journaled
    assert rig.store.positions.get(bot_id, "BTCUSD").qty == 0


async def test_a_liquidation_while_the_bot_was_away_is_booked_and_held_at_restart(
        rig: LiveRig) -> None:
    bot_id = await rig.bot("liq-away")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    await _until_in_position(rig, bot_id)
    held = rig.store.positions.get(bot_id, "BTCUSD").qty
    await until(lambda: any(o.tag == "stop" and o.status == "new"
                            for o in rig.store.orders.query(bot_id=bot_id, limit=100)))
    await rig.service.stop_bot(bot_id, "tester")
    liq = rig.server.exchange.positions["XBTUSD"]["liquidationPrice"]
    (execution,) = mark_print(rig.server.exchange, "XBTUSD", liq - 50 if held > 0 else liq + 50)

    await rig.service.start_bot(bot_id, "tester")
    await until(lambda: rig.service.get_bot(bot_id).needs_operator)
    fills = {f.fill_id: f for f in rig.store.fills.query(bot_id=bot_id, limit=100)}
    assert fills[execution["execID"]].tag == "liquidation"
    assert rig.store.trades.query(bot_id=bot_id)[-1].exit_reason == "liquidation"
    assert rig.store.positions.get(bot_id, "BTCUSD").qty == 0
    orders = rig.store.orders.query(bot_id=bot_id, limit=100)
    assert not [o for o in orders if o.status in ("new", "partially_filled", "pending")]
    assert any("liquidated" in m for m in _events(rig, bot_id, EventKind.ALERT))
    assert rig.service.get_bot(bot_id).state is BotState.PAUSED


async def test_what_a_partial_liquidation_leaves_is_protected_again(rig: LiveRig) -> None:
    bot_id = await rig.bot("liq-part")
    await until(lambda: rig.service.get_bot(bot_id).state is BotState.ONLINE)
    await _until_in_position(rig, bot_id)
    held = rig.store.positions.get(bot_id, "BTCUSD").qty
    await until(lambda: any(o.tag == "stop" and o.status == "new"
                            for o in rig.store.orders.query(bot_id=bot_id, limit=100)))
    first_stop = next(o for o in rig.store.orders.query(bot_id=bot_id, limit=100)
                      if o.tag == "stop" and o.status == "new")
    # the venue's engine takes half the position: the symbol's orders are cancelled first
    ex = rig.server.exchange
    venue = ex.venues["XBTUSD"]
    half = abs(held) / 2 - abs(held) / 2 % 100
    price = Decimal(str(venue.market.last_close)).quantize(Decimal(1))
    fill = Fill("liq-half", "liquidation-1", "", "BTCUSD", Side.SELL if held > 0 else Side.BUY,
                half, price, Decimal("0.00001"), "BTC", Liquidity.TAKER, ex.now_ms,
                "liquidation", {"liquidation": "true"}, FillKind.LIQUIDATION)
    on_liquidation(ex, venue, fill)
    await until(lambda: rig.service.get_bot(bot_id).needs_operator)
    assert rig.store.positions.get(bot_id, "BTCUSD").qty == held - half * (1 if held > 0 else -1)
    assert rig.store.orders.get(first_stop.client_id).status == "canceled"
    # held for an operator, yet the rest of the position has a working stop again
    await until(lambda: any(o.tag == "stop" and o.status == "new"
                            for o in rig.store.orders.query(bot_id=bot_id, limit=100)))
    stop = next(o for o in rig.store.orders.query(bot_id=bot_id, limit=100)
                if o.tag == "stop" and o.status == "new")
    assert stop.client_id != first_stop.client_id and stop.qty == abs(held) - half
    assert ex.find(cl_ord_id=stop.client_id)["ordStatus"] == "New"
