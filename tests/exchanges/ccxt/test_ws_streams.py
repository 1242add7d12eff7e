"""WebSocket streams of the ccxt venues (plutarc/exchanges/ccxt/streams.py) against local
servers speaking each venue's WS protocol (tests/exchanges/ccxt/ws/) from recorded payloads.

Per venue: a closed kline arrives as a Candle (over the socket, not REST); an order update
and a fill arrive; the server drops the socket and refuses new ones -> the stream goes
down, a fill made meanwhile is delivered once by the REST catch-up after the reconnect, the
reconnect authenticates and subscribes again, and a later fill arrives over the new socket;
no fill twice. Binance: the listen key is renewed on schedule, and a listenKeyExpired event
gets a new key.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.ccxt.replay import binance as binance_rest
from tests.exchanges.ccxt.replay import bybit as bybit_rest
from tests.exchanges.ccxt.replay import okx as okx_rest
from tests.exchanges.ccxt.replay.core import MINUTE, VENUE_CLOCK, ServerThread
from tests.exchanges.ccxt.ws import binance, bybit, okx


@dataclass
class Case:
    name: str
    make: Callable[[], Any]
    credentials: CcxtCredentials
    symbol: str
    qty: Decimal


CASES = {
    "binance": Case("binance", binance.BinanceWs,
                    CcxtCredentials(binance_rest.KEY, binance_rest.SECRET), "BTCUSDT",
                    Decimal("0.01")),
    "bybit": Case("bybit", bybit.BybitWs, CcxtCredentials(bybit_rest.KEY, bybit_rest.SECRET),
                  "BTCUSDT", Decimal("0.01")),
    "okx": Case("okx", okx.OkxWs,
                CcxtCredentials(okx_rest.KEY, okx_rest.SECRET, okx_rest.PASSPHRASE),
                "BTC-USDT-SWAP", Decimal("1")),
}


@dataclass
class Live:
    case: Case
    server: Any
    thread: ServerThread

    def venue(self, **kwargs: Any) -> CcxtVenue:
        return CcxtVenue(PROFILES[self.case.name], credentials=self.case.credentials,
                         base_url=self.thread.url, timeout_s=5, **kwargs)


@pytest.fixture(params=sorted(CASES))
def live(request: pytest.FixtureRequest) -> Iterator[Live]:
    case = CASES[request.param]
    server = case.make()
    thread = server.serve()
    yield Live(case, server, thread)
    thread.stop()


def run(live: Live, body: Callable[[CcxtVenue], Awaitable[Any]], **kwargs: Any) -> Any:
    async def go() -> Any:
        venue = live.venue(**kwargs)
        assert venue.live is not None, f"{live.case.name} profile must say websocket=True"
        venue.live.sweep_s, venue.live.settle_s = 0.5, 0.3
        venue.live.backoff_s = (0.2, 1.0)
        try:
            await venue.start()
            return await asyncio.wait_for(body(venue), 60)
        finally:
            await venue.close()
    return asyncio.run(go())


async def until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def market(live: Live, cid: str, side: Side = Side.BUY) -> OrderRequest:
    return OrderRequest(client_id=cid, symbol=live.case.symbol, side=side,
                        type=OrderType.MARKET, qty=live.case.qty)


def test_closed_kline_arrives_as_a_candle(live: Live) -> None:
    async def body(venue: CcxtVenue) -> None:
        close = VENUE_CLOCK.close_in(5_000)  # the next 1m bar closes 5 s after this
        await venue.sync_clock()  # the venue's clock jumped: measured again
        stream = venue.stream_candles(live.case.symbol, "1m")
        started = len(live.thread.requests)
        candle = await asyncio.wait_for(anext(stream), 15)
        late_ms = VENUE_CLOCK.now_ms() - close
        await stream.aclose()
        open_ms, o, h, low, c, v = live.server.rest.tape.bar(close - MINUTE)
        assert candle.ts_ms == open_ms and candle.interval_ms == MINUTE
        assert (candle.open, candle.high, candle.low, candle.close) == pytest.approx(
            (round(o, 2), round(h, 2), round(low, 2), round(c, 2)))
        assert candle.volume == pytest.approx(round(v, 3))
        rest_klines = [p for _, p in live.thread.requests[started:] if p.endswith("klines")]
        assert not rest_klines, "the closed bar came over REST, not the socket"
        assert late_ms < 3_000, f"the candle came {late_ms} ms after its close"
        assert any(w == "subscribe" for w, _ in live.server.hub.log)

    run(live, body, poll_s=30)


def test_order_update_and_fill_then_reconnect_with_rest_catch_up(live: Live) -> None:
    async def body(venue: CcxtVenue) -> None:
        assert venue.live is not None
        fills: list = []
        orders: list = []

        async def collect(stream: Any, into: list) -> None:
            async for item in stream:
                into.append(item)

        tasks = [asyncio.create_task(collect(venue.stream_fills(), fills)),
                 asyncio.create_task(collect(venue.stream_orders(), orders))]
        try:
            await until(lambda: venue.live.private.up, 10, "the private socket")
            hub = live.server.hub
            connects, auths = hub.connects, _auths(hub)
            placed = await venue.place_order(market(live, "ws-1"))
            await until(lambda: len(fills) == 1, 10, "the first fill")
            await until(lambda: any(o.client_id == "ws-1" and o.status is OrderStatus.FILLED
                                    for o in orders), 10, "the order update")
            assert fills[0].client_id == "ws-1" and fills[0].venue_order_id == placed.venue_id

            hub.drop(refuse=True)
            await until(lambda: not venue.live.private.up, 10, "the drop to be seen")
            await asyncio.sleep(0.5)  # the REST read a drop asks for is done
            await venue.place_order(market(live, "ws-2", Side.SELL))  # while down
            await asyncio.sleep(1.0)
            assert [f.client_id for f in fills] == ["ws-1"], "polling while down is slow here"
            hub.allow()
            await until(lambda: len(fills) == 2, 15, "the fill made while down (catch-up)")
            assert fills[1].client_id == "ws-2"
            assert hub.connects > connects and _auths(hub) > auths, "no re-authentication"
            assert venue.live.private.drops >= 1
            assert any("down" in e for e in venue.live.private.events)

            await venue.place_order(market(live, "ws-3"))  # over the new socket
            await until(lambda: len(fills) == 3, 10, "a fill after the reconnect")
            await asyncio.sleep(1.5)  # REST sweeps run meanwhile: nothing twice
            ids = [f.fill_id for f in fills]
            assert len(ids) == len(set(ids)) == 3
            assert [f.client_id for f in fills] == ["ws-1", "ws-2", "ws-3"]
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    run(live, body, poll_s=30)  # slow polling: the catch-up, not the poll, finds ws-2


def _auths(hub: Any) -> int:
    return sum(1 for what, _ in hub.log if what in ("private", "auth", "login"))


@pytest.mark.parametrize("live", ["binance"], indirect=True)
def test_binance_listen_key_renewed_on_schedule_and_replaced_when_expired(live: Live) -> None:
    async def body(venue: CcxtVenue) -> None:
        assert venue.live is not None
        venue.live.keepalive_s = 0.5  # 20 min in the profile
        fills: list = []

        async def collect() -> None:
            async for item in venue.stream_fills():
                fills.append(item)

        task = asyncio.create_task(collect())
        try:
            await until(lambda: venue.live.private.up, 10, "the private socket")
            await until(lambda: len(live.server.key_puts) >= 3, 5, "three keepalives")
            gaps = [b - a for a, b in zip(live.server.key_puts, live.server.key_puts[1:],
                                           strict=False)]
            assert all(300 <= g <= 2_000 for g in gaps), gaps
            posts = live.server.key_posts
            live.server.expire_keys()
            await until(lambda: live.server.key_posts > posts, 10, "a new listen key")
            await until(lambda: venue.live.private.up and venue.live.private.drops >= 1, 10,
                        "the socket on the new key")
            await venue.place_order(market(live, "lk-1"))
            await until(lambda: len(fills) == 1, 10, "a fill on the new key")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    run(live, body, poll_s=30)


def test_candles_polled_over_rest_while_the_socket_is_refused(live: Live) -> None:
    live.server.hub.refusing = True  # every upgrade gets HTTP 503

    async def body(venue: CcxtVenue) -> None:
        assert venue.live is not None
        close = VENUE_CLOCK.close_in(4_000)
        await venue.sync_clock()
        stream = venue.stream_candles(live.case.symbol, "1m")
        candle = await asyncio.wait_for(anext(stream), 15)
        await stream.aclose()
        assert candle.ts_ms == close - MINUTE
        assert live.server.hub.connects == 0
        assert any("down" in e and "polling REST" in e for e in venue.live.public.events)
        assert not venue.live.public.up

    run(live, body, poll_s=1)


def test_the_private_socket_refuses_a_wrong_signature(live: Live) -> None:
    """The local servers check what the venues check: Binance's listen key wants the
    account's API key, Bybit's auth op and OKX's login their HMAC of the secret."""
    case = live.case
    wrong = CcxtCredentials("not-our-key", case.credentials.secret,
                            case.credentials.passphrase) if case.name == "binance" else (
        CcxtCredentials(case.credentials.key, "not-our-secret", case.credentials.passphrase))

    async def go() -> None:
        venue = CcxtVenue(PROFILES[case.name], credentials=wrong, base_url=live.thread.url,
                          timeout_s=5)
        try:
            await venue.instruments()
            assert venue.live is not None
            await venue.live._markets()
            # ccxt's Bybit asks REST (signed) whether the account is unified before the
            # socket: answered here as the good key's account says, so the socket is tried
            venue.live.pro.options.update(enableUnifiedMargin=False, enableUnifiedAccount=True)
            with pytest.raises(Exception) as raised:
                await asyncio.wait_for(venue.live.pro.watch_my_trades(), 10)
            assert "AuthenticationError" in {c.__name__ for c in type(raised.value).__mro__}
        finally:
            await venue.close()

    asyncio.run(go())
    refused = [ok for what, ok in live.server.hub.log if what in ("auth", "login")]
    if case.name == "binance":
        assert live.server.key_posts == 0 and live.server.hub.connects == 0
    else:
        assert refused == [False]


def test_a_bar_cut_by_a_drop_comes_whole_from_rest(live: Live) -> None:
    """The socket showed bar N forming (3 of its 5 minutes), then dropped; it is back in
    N+1. N must be the venue's final bar (REST catch-up), never the partial seen before
    the drop taken as final because a later bar arrived."""
    step = 5 * MINUTE

    async def body(venue: CcxtVenue) -> None:
        assert venue.live is not None
        close = VENUE_CLOCK.close_in(150_000, step)  # 2.5 min before N closes
        await venue.sync_clock()
        stream = venue.stream_candles(live.case.symbol, "5m")
        first = asyncio.ensure_future(anext(stream))
        await until(lambda: venue.live.public.up, 10, "the public socket")
        await asyncio.sleep(0.6)  # N's partial rows arrived
        hub = live.server.hub
        hub.drop(refuse=True)
        await until(lambda: not venue.live.public.up, 10, "the drop to be seen")
        VENUE_CLOCK.shift_ms += 152_000  # 2 s into N+1
        await venue.sync_clock()
        hub.allow()
        candle = await asyncio.wait_for(first, 20)
        await stream.aclose()
        open_ms, o, h, low, c, v = live.server.rest.tape.bar(close - step, step)
        assert candle.ts_ms == open_ms
        assert (candle.high, candle.low, candle.close) == pytest.approx(
            (round(h, 2), round(low, 2), round(c, 2)))
        rest = await venue.candles(live.case.symbol, "5m", open_ms, open_ms + step)
        assert [candle] == rest  # volume too (OKX's REST volume unit differs from its WS)

    run(live, body, poll_s=30)
