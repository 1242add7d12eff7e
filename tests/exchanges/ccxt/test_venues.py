"""CcxtVenue on Binance USD-M, Bybit and OKX, through ccxt, against each venue's local server
(recorded payload shapes, the venue's signatures checked, stops on their own endpoints where
the venue keeps them apart)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plutarc.errors import AuthenticationError, OrderStatusUnknown, UsageError
from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.ccxt.conftest import Served

MIN = 60_000
SYMBOLS = {"binance": {"BTCUSDT", "ETHUSDT"}, "bybit": {"BTCUSDT", "ETHUSDT"},
           "okx": {"BTC-USD-SWAP", "BTC-USDT-SWAP", "ETH-USDT-SWAP"}}


def test_instruments_are_the_recorded_perpetuals(served: Served) -> None:
    async def body(v: CcxtVenue):
        return {i.symbol: i for i in await v.instruments()}
    found = served.run(body)
    assert set(found) == SYMBOLS[served.name]  # dated futures and spot are left out
    inst = found[served.symbol]
    assert inst.tick_size > 0 and inst.lot_size > 0 and inst.settle == "USDT"
    if served.name == "okx":  # contracts of 0.01 BTC: the size is the multiplier
        assert inst.multiplier == Decimal("0.01")
        assert found["BTC-USD-SWAP"].kind.value == "inverse"


def test_candles_are_closed_chronological_and_synthesised(served: Served) -> None:
    async def body(v: CcxtVenue):
        now = await v.server_time_ms()
        return (now, await v.candles(served.symbol, "1m", now - 60 * MIN, now),
                await v.candles(served.symbol, "5m", now - 60 * MIN, now),
                await v.candles(served.symbol, "2h", now - 600 * MIN, now))
    now, ones, fives, twos = served.run(body)
    for series, step in ((ones, MIN), (fives, 5 * MIN), (twos, 120 * MIN)):
        stamps = [c.ts_ms for c in series]
        assert stamps == sorted(set(stamps)) and all(s % step == 0 for s in stamps)
        assert series[-1].close_ts_ms <= now  # the forming bar the venue sends is dropped
    assert len(ones) >= 58 and len(fives) >= 11


def test_more_candles_than_one_page_are_paged_forward(served: Served) -> None:
    async def body(v: CcxtVenue):
        now = await v.server_time_ms()
        return await v.candles(served.symbol, "1m", now - 900 * MIN, now - 300 * MIN)
    got = served.run(body)
    assert len(got) == 600 and [c.ts_ms for c in got] == sorted({c.ts_ms for c in got})


def test_place_lookup_amend_cancel_and_the_account(served: Served) -> None:
    sym, qty = served.symbol, served.qty

    async def body(v: CcxtVenue):
        limit = await v.place_order(OrderRequest("t1-limit", sym, Side.BUY, OrderType.LIMIT,
                                                 qty, price=Decimal("30000.04")))
        market = await v.place_order(OrderRequest("t1-market", sym, Side.BUY,
                                                  OrderType.MARKET, qty))
        stop = await v.place_order(OrderRequest("t1-stop", sym, Side.SELL,
                                                OrderType.STOP_MARKET, qty,
                                                stop_price=Decimal("30000"), reduce_only=True))
        open_ids = sorted(o.client_id for o in await v.open_orders(sym))
        moved = await v.amend_order("t1-stop", stop_price=Decimal("31000"))
        looked = await v.order_by_client_id("t1-stop")
        canceled = await v.cancel_order("t1-limit")
        return (limit, market, stop, open_ids, moved, looked, canceled, await v.positions(),
                await v.balances(), await v.fills_since(0, sym),
                await v.order_by_client_id("t1-never-sent"))
    (limit, market, stop, open_ids, moved, looked, canceled, positions, balances, fills,
     never) = served.run(body)
    assert limit.status is OrderStatus.NEW and limit.request.price == Decimal("30000.0")
    assert market.status in (OrderStatus.FILLED, OrderStatus.NEW)  # some venues ack first
    assert stop.status is OrderStatus.NEW and stop.request.stop_price == Decimal("30000")
    assert open_ids == ["t1-limit", "t1-stop"]  # plain and stop lists both read
    assert moved.request.stop_price == Decimal("31000") and moved.status is OrderStatus.NEW
    assert looked is not None and looked.status is OrderStatus.NEW
    assert canceled.status is OrderStatus.CANCELED
    assert [(p.symbol, p.qty) for p in positions] == [(sym, qty)]
    assert [b.currency for b in balances] == ["USDT"] and balances[0].total < 10_000
    assert [(f.client_id, f.qty) for f in fills] == [("t1-market", qty)]
    assert never is None


def test_a_lost_answer_to_an_accepted_order_is_in_doubt_and_found_by_client_id(
        served: Served) -> None:
    served.server.fail_next_create = "timeout_after_accept"

    async def body(v: CcxtVenue):
        with pytest.raises(OrderStatusUnknown) as raised:
            await v.place_order(OrderRequest("t2-doubt", served.symbol, Side.BUY,
                                             OrderType.LIMIT, served.qty,
                                             price=Decimal("30000")))
        assert raised.value.client_id == "t2-doubt"
        return await v.order_by_client_id("t2-doubt")
    found = served.run(body)
    assert found is not None and found.status is OrderStatus.NEW
    sent = [o for o in served.server.book.orders.values() if found.venue_id == o.venue_id]
    assert len(sent) == 1 and len(served.server.book.orders) >= 1


def test_a_wrong_key_is_an_authentication_error(served: Served) -> None:
    async def body(v: CcxtVenue):
        return await v.balances()
    wrong = CcxtCredentials("not-the-key", served.credentials.secret,
                            served.credentials.passphrase)
    with pytest.raises(AuthenticationError):
        served.run(body, wrong)


def test_an_unknown_symbol_is_a_usage_error_naming_it(served: Served) -> None:
    async def body(v: CcxtVenue):
        return await v.candles("NOPE", "1m", 0, 1)
    with pytest.raises(UsageError, match="no 'NOPE' contract"):
        served.run(body)


def test_a_restarted_adapter_names_the_client_id_of_earlier_fills(served: Served) -> None:
    """Trades of most venues carry no client id: a fresh process (no id map) asks the venue
    for the order, so reconcile books the fill to the bot's order."""
    async def trade(v: CcxtVenue):
        await v.place_order(OrderRequest("t3-entry", served.symbol, Side.BUY, OrderType.MARKET,
                                         served.qty))

    async def fresh(v: CcxtVenue):
        return await v.fills_since(0)  # no symbol: a restart knows only what is held
    served.run(trade)
    fills = served.run(fresh)
    assert "t3-entry" in {f.client_id for f in fills}
    assert all(f.client_id for f in fills)


def test_a_short_position_is_negative(served: Served) -> None:
    async def body(v: CcxtVenue):
        await v.place_order(OrderRequest("t4-short", served.symbol, Side.SELL,
                                         OrderType.MARKET, 3 * served.qty))
        return {p.symbol: p.qty for p in await v.positions()}
    held = served.run(body)[served.symbol]
    assert held < 0  # whatever the module's earlier tests left long, three sells go short


def test_a_backtest_fetches_candles_and_the_contract_from_a_ccxt_venue(
        tmp_path, monkeypatch, capsys) -> None:  # noqa: ANN001
    """`backtest run --venue binance` against the local server serving the bars at their
    recorded dates: the venue's own 1m candles and its BTCUSDT contract."""
    import json

    from plutarc.cli.main import run
    from tests.exchanges.ccxt.replay.binance import BinanceServer
    from tests.exchanges.ccxt.replay.core import ServerThread, Tape

    monkeypatch.setenv("PLUTARC_HOME", str(tmp_path))
    thread = ServerThread(BinanceServer(Tape(at_recorded_times=True)).app).start()
    try:
        code = run(["backtest", "run", "scalp_1m", "--venue", "binance", "--venue-url",
                    thread.url, "--symbol", "BTCUSDT", "--from", "2024-01-01T06:00",
                    "--to", "2024-01-01T20:00", "--json"])
    finally:
        thread.stop()
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    assert result["bars"] == 14 * 60 and result["symbol"] == "BTCUSDT"


def test_a_failed_replacement_after_cancel_says_the_old_order_is_gone() -> None:
    """Binance amends by cancel-then-place: when the new order is refused, the error says
    the old one was cancelled (the venue shows it cancelled; reconcile re-protects)."""
    from plutarc.errors import OrderRejected
    from tests.exchanges.ccxt.conftest import CASES
    from tests.exchanges.ccxt.replay.core import ServerThread

    make, keys, symbol, qty = CASES["binance"]
    server = make()
    thread = ServerThread(server.app).start()
    served = Served("binance", thread, server, keys, symbol, qty)

    async def body(v: CcxtVenue):
        await v.place_order(OrderRequest("t5-limit", symbol, Side.BUY, OrderType.LIMIT, qty,
                                         price=Decimal("30000")))
        with pytest.raises(OrderRejected, match="t5-limit: the old order was cancelled") as e:
            await v.amend_order("t5-limit", price=Decimal("1"))  # under the price filter
        return e.value, await v.order_by_client_id("t5-limit")
    try:
        _error, after = served.run(body)
    finally:
        thread.stop()
    assert after is not None and after.status is OrderStatus.CANCELED
