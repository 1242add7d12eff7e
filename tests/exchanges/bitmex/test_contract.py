"""Contract suite: every adapter operation against the local BitMEX server."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from plutarc.errors import OrderRejected, UsageError
from plutarc.exchanges.base import Venue
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side

from .conftest import adapter_for, linear_sim_config

D = Decimal
H = 3_600_000


def req(cid: str, side: Side = Side.BUY, kind: OrderType = OrderType.MARKET, qty: int = 100,
        symbol: str = "BTCUSD", **kw) -> OrderRequest:
    return OrderRequest(cid, symbol, side, kind, D(qty), **kw)


async def next_item(stream, timeout_s: float = 3.0):
    return await asyncio.wait_for(anext(stream), timeout_s)


def last_close(server: SimServer) -> Decimal:
    """The last replayed close, whole dollars (on XBTUSD's 0.1 tick)."""
    return D(int(server.exchange.venues["XBTUSD"].market.last_close))


async def test_is_a_venue_with_instruments(adapter):
    assert isinstance(adapter, Venue)
    instruments = await adapter.instruments()
    btc = await adapter.instrument("BTCUSD")
    assert btc.venue_symbol == "XBTUSD" and btc in instruments
    assert await adapter.instrument("XBTUSD") == btc
    with pytest.raises(UsageError, match="did you mean 'BTCUSD'"):
        await adapter.instrument("BTCUSX")
    assert adapter.capabilities.native_trailing_stop and adapter.capabilities.candle_stamp == "end"


async def test_the_linear_usdt_perpetual_is_served_from_its_real_row(adapter):
    """XBTUSDT (recorded 2022-10-16): linear, USDt settled, 1e-6 BTC a contract, lot 1000."""
    btc = await adapter.instrument("BTCUSDT")
    assert btc.venue_symbol == "XBTUSDT" and btc.settle == "USDT"
    assert (btc.lot_size, btc.tick_size) == (D(1000), D("0.5"))
    assert btc.kind.value == "linear"


async def test_candles_native_and_synthesised(adapter, server):
    now = server.exchange.now_ms
    hours = await adapter.candles("BTCUSD", "1h", now - 12 * H, now)
    assert len(hours) == 12 and hours[-1].close_ts_ms == now
    four = await adapter.candles("BTCUSD", "4h", now - 12 * H, now)
    assert [c.ts_ms for c in four] == [now - 12 * H, now - 8 * H, now - 4 * H]
    assert four[0].high == max(c.high for c in hours[:4])
    assert four[-1].close == hours[-1].close and four[0].open == hours[0].open
    assert await adapter.server_time_ms() == now


async def test_market_order_fill_position_and_balances(adapter, server):
    await adapter.start()
    fills = adapter.stream_fills()
    positions = adapter.stream_positions()
    await adapter.wait_streams_live()
    order = await adapter.place_order(req("mkt-1", tag="entry"))
    # BitMEX answers a market order Filled: the fill is out before the reply
    assert order.status is OrderStatus.FILLED and order.client_id == "mkt-1"
    assert order.filled_qty == 100 and order.avg_price is not None
    fill = await next_item(fills)
    assert (fill.client_id, fill.qty, fill.tag) == ("mkt-1", 100, "entry")
    assert fill.fee_currency == "BTC" and fill.fee > 0
    local = await next_item(positions)
    while local.is_flat:  # the venue's row from the placement comes first
        local = await next_item(positions)
    assert local.qty == 100 and local.entry_price == fill.price
    venue_positions = await adapter.positions()
    assert venue_positions[0].qty == 100 and venue_positions[0].entry_price == fill.price
    balances = {b.currency: b for b in await adapter.balances()}
    assert set(balances) == {"BTC", "USDT"}  # one per currency, never summed
    assert balances["BTC"].total == D(1) - fill.fee
    assert balances["USDT"].total == D(100_000)
    assert [f.fill_id for f in await adapter.fills_since(0)] == [fill.fill_id]
    assert (await adapter.order_by_client_id("mkt-1")).status is OrderStatus.FILLED
    assert adapter.latency.get("rest_order_rtt_ms").count == 1


async def test_limit_amend_cancel_and_cancel_all(adapter, server):
    price = last_close(server) - 2000
    order = await adapter.place_order(req("lim-1", kind=OrderType.LIMIT, qty=200, price=price))
    assert order.status is OrderStatus.NEW and order.request.price == price
    # rounded down onto XBTUSD's 0.1 tick (the recorded 2024 row)
    amended = await adapter.amend_order("lim-1", qty=D(300), price=price - D("10.33"))
    assert amended.request.qty == 300 and amended.request.price == price - D("10.4")
    assert [o.client_id for o in await adapter.open_orders("BTCUSD")] == ["lim-1"]
    canceled = await adapter.cancel_order("lim-1")
    assert canceled.status is OrderStatus.CANCELED
    again = await adapter.cancel_order("lim-1")  # cancelling a finished order reports it
    assert again.status is OrderStatus.CANCELED
    with pytest.raises(OrderRejected, match="Not Found"):
        await adapter.cancel_order("never-sent")
    for i in range(3):
        await adapter.place_order(req(f"lim-{i + 2}", kind=OrderType.LIMIT, price=price))
    swept = await adapter.cancel_all("BTCUSD")
    assert sorted(o.client_id for o in swept) == ["lim-2", "lim-3", "lim-4"]
    assert all(o.status is OrderStatus.CANCELED for o in swept)
    assert await adapter.open_orders() == []


async def test_post_only_that_would_take_is_canceled(adapter, server):
    order = await adapter.place_order(
        req("po-1", kind=OrderType.LIMIT, price=last_close(server) + 500, post_only=True))
    assert order.status is OrderStatus.CANCELED and order.request.post_only


async def test_stop_and_stop_limit_trigger_on_replayed_prices(adapter, server):
    market = server.exchange.venues["XBTUSD"].market
    ahead = float(market.high[market.cursor:market.cursor + 30].max())
    assert ahead > market.last_close + 20  # the next half hour of real data rises
    trigger = D(int((market.last_close + ahead) / 2))
    await adapter.place_order(req("stop-1", kind=OrderType.STOP_MARKET, stop_price=trigger))
    await adapter.place_order(req("stopl-1", kind=OrderType.STOP_LIMIT, stop_price=trigger,
                                  price=trigger + 1000))
    server.advance(30)
    for cid in ("stop-1", "stopl-1"):
        order = await adapter.order_by_client_id(cid)
        assert order.status is OrderStatus.FILLED, cid
        assert order.avg_price >= (await adapter.instrument("BTCUSD")).round_price(trigger, "down")


async def test_native_trailing_stop(adapter, server):
    await adapter.place_order(req("long-1", qty=500))
    server.advance(1)
    order = await adapter.place_order(req("trail-1", Side.SELL, OrderType.TRAILING_STOP,
                                          qty=500, trail_offset=D(40), reduce_only=True))
    assert order.request.type is OrderType.TRAILING_STOP and order.request.trail_offset == 40
    row = server.exchange.find(cl_ord_id="trail-1")
    assert row["pegPriceType"] == "TrailingStopPeg" and row["pegOffsetValue"] == -40
    for _ in range(120):
        server.advance(1)
        if (await adapter.order_by_client_id("trail-1")).status is OrderStatus.FILLED:
            break
    assert (await adapter.order_by_client_id("trail-1")).status is OrderStatus.FILLED
    assert await adapter.positions() == []


async def test_reduce_only_and_close_position(adapter, server):
    await adapter.place_order(req("open-1", qty=300))
    server.advance(1)
    await adapter.place_order(req("ro-1", Side.SELL, qty=100, reduce_only=True))
    server.advance(1)
    assert (await adapter.positions())[0].qty == 200
    closing = await adapter.close_position("close-1", "BTCUSD")
    assert closing is not None and closing.request.reduce_only
    server.advance(1)
    assert await adapter.positions() == []
    assert await adapter.close_position("close-2", "BTCUSD") is None  # already flat


async def test_dead_mans_switch_kept_armed_and_fires_without_us(server):
    venue = adapter_for(server, dead_man_timeout_ms=1000, dead_man_refresh_s=0.2)
    await venue.start()
    assert server.dead_man_armed
    await asyncio.sleep(0.5)
    assert venue.dead_mans_switch.arms >= 2  # re-armed by its task
    await venue.place_order(req("dms-1", kind=OrderType.LIMIT, price=last_close(server) - 3000))
    await venue.dead_mans_switch.stop(disarm=False)  # our process "dies"
    await asyncio.sleep(1.2)
    assert server.dead_man_fired == 1
    assert server.exchange.find(cl_ord_id="dms-1")["ordStatus"] == "Canceled"
    await venue.close()


async def test_close_disarms_the_switch(server):
    venue = adapter_for(server)
    await venue.start()
    assert server.dead_man_armed
    await venue.close()
    assert not server.dead_man_armed
    with pytest.raises(UsageError, match="closed"):
        await venue.instruments()


async def test_funding_open_interest_leverage_and_margin_mode(adapter, server):
    now = server.exchange.now_ms
    rates = await adapter.funding_rates("BTCUSD", now - 24 * H, now)
    # BitMEX pays funding at 04:00, 12:00 and 20:00 UTC
    assert [r.ts_ms % (8 * H) for r in rates] == [4 * H] * 3 and rates[0].rate == 0.0001
    current, upcoming = await adapter.current_funding("BTCUSD")
    assert current.ts_ms % (8 * H) == 4 * H and 0 < current.ts_ms - now <= 8 * H
    assert upcoming.rate == 0.0001
    (oi,) = await adapter.open_interest("BTCUSD", now - H, now + 1)
    assert oi.value > 0
    with pytest.raises(UsageError, match="only the current open interest"):
        await adapter.open_interest("BTCUSD", now - 48 * H, now - 24 * H)
    await adapter.set_leverage("BTCUSD", D(5))
    await adapter.place_order(req("lev-1"))
    server.advance(1)
    assert (await adapter.positions())[0].leverage == 5
    await adapter.set_margin_mode("BTCUSD", cross=True)
    assert server.exchange.positions["XBTUSD"]["crossMargin"] is True
    with pytest.raises(UsageError, match="0 \\(cross\\) to 100"):
        await adapter.set_leverage("BTCUSD", D(101))


async def test_streamed_candles_native_and_synthesised(adapter, server):
    ones = adapter.stream_candles("BTCUSD", "1m")
    fifteens = adapter.stream_candles("BTCUSD", "15m")
    first = asyncio.ensure_future(anext(ones))
    first15 = asyncio.ensure_future(anext(fifteens))
    await asyncio.sleep(0.3)  # subscribed, partial received
    await adapter.wait_streams_live()
    server.advance(16)
    candle = await asyncio.wait_for(first, 3)
    assert candle.interval_ms == 60_000 and candle.close_ts_ms <= server.exchange.now_ms
    quarter = await asyncio.wait_for(first15, 3)
    assert quarter.interval_ms == 900_000 and quarter.ts_ms % 900_000 == 0
    assert quarter.close_ts_ms <= server.exchange.now_ms
    await adapter.watch_market("BTCUSD")
    server.advance(1)
    await asyncio.sleep(0.3)
    assert adapter.last_quote("BTCUSD").ask > adapter.last_quote("BTCUSD").bid
    assert adapter.ticker("BTCUSD").markPrice == server.exchange.venues["XBTUSD"].market.last_close


async def test_linear_contract_settles_in_usdt_only():
    async with SimServer(linear_sim_config()) as server:
        venue = adapter_for(server)
        try:
            ltc = await venue.instrument("LTCUSDT")
            assert ltc.settle == "USDT"
            await venue.place_order(req("lin-1", qty=1000, symbol="LTCUSDT"))
            server.advance(1)
            (fill,) = await venue.fills_since(0)
            assert fill.fee_currency == "USDT"
            balances = {b.currency: b for b in await venue.balances()}
            assert balances["BTC"].total == 1
            assert balances["USDT"].total == D(100_000) - fill.fee
            (position,) = await venue.positions()
            assert position.symbol == "LTCUSDT" and position.qty == 1000
        finally:
            await venue.close()


async def test_a_protected_position_holds_the_switch_off_for_every_bot_on_the_account(server):
    """cancelAllAfter would cancel the resting stop too: while any bot on the account holds
    a stop-protected position, every switch on that account sends timeout=0."""
    first = adapter_for(server, dead_man_timeout_ms=1000, dead_man_refresh_s=0.1)
    second = adapter_for(server, dead_man_timeout_ms=1000, dead_man_refresh_s=0.1)
    await first.start()
    await second.start()
    try:
        assert server.dead_man_armed
        await first.dead_mans_switch.hold("bot-a:XBTUSD")
        assert not server.dead_man_armed and second.dead_mans_switch.held
        await asyncio.sleep(0.35)  # the second bot's refreshes keep it off too
        assert not server.dead_man_armed
        stop = await first.place_order(req("guard-1", kind=OrderType.STOP_MARKET,
                                           stop_price=last_close(server) - 3000))
        await asyncio.sleep(1.2)  # longer than the timeout: nothing fires
        assert server.dead_man_fired == 0
        assert server.exchange.find(cl_ord_id=stop.client_id)["ordStatus"] == "New"
        await first.dead_mans_switch.release("bot-a:XBTUSD")
        assert server.dead_man_armed  # flat again: stale orders are cancelled if we die
    finally:
        await first.close()
        await second.close()
