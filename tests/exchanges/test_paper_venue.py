"""PaperVenue against the local BitMEX server: public market data in, every order on the sim."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from plutarc.errors import UsageError
from plutarc.exchanges.bitmex import BitmexAdapter
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.exchanges.paper_venue import PaperVenue, paper_starting_balance
from plutarc.exchanges.sim import SimConfig
from plutarc.models import Candle, Fill, OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.bitmex.conftest import adapter_for, sim_config

CONFIG = SimConfig(enforce_margin=False)
# public market data only (funding history: paper positions pay the venue's own rates)
PUBLIC_PATHS = {"/api/v1", "/api/v1/instrument/active", "/api/v1/trade/bucketed",
                "/api/v1/funding"}


class SkipsOneBin(BitmexAdapter):
    """The real adapter, except that its candle stream loses the bin opening at ``skip_ms``
    (a hand-written stand-in for a websocket that missed one message)."""

    skip_ms = -1

    async def stream_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        async for candle in super().stream_candles(symbol, interval):
            if candle.ts_ms != self.skip_ms:
                yield candle


class Recorder:
    """Consumes a paper venue's fills and candles in two tasks, logging their order."""

    def __init__(self, venue: PaperVenue, symbol: str = "BTCUSD") -> None:
        self.log: list[tuple[str, object]] = []
        self.candles: asyncio.Queue[Candle] = asyncio.Queue()
        self._tasks = [asyncio.create_task(self._fills(venue.stream_fills())),
                       asyncio.create_task(self._candles(venue.stream_candles(symbol, "1m")))]

    async def _fills(self, source: AsyncIterator[Fill]) -> None:
        async for fill in source:
            self.log.append(("fill", fill))

    async def _candles(self, source: AsyncIterator[Candle]) -> None:
        async for candle in source:
            self.log.append(("candle", candle))
            self.candles.put_nowait(candle)

    async def next_candle(self) -> Candle:
        return await asyncio.wait_for(self.candles.get(), 10)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@pytest.fixture
async def server() -> AsyncIterator[SimServer]:
    async with SimServer(sim_config(warmup_bars=300)) as srv:
        yield srv


async def _paper(server: SimServer, market: BitmexAdapter | None = None) -> PaperVenue:
    venue = PaperVenue(market or adapter_for(server, keys=False), "1m", CONFIG, id_prefix="t1")
    await venue.start()
    return venue


def _buy(client_id: str, qty: int = 100) -> OrderRequest:
    return OrderRequest(client_id, "BTCUSD", Side.BUY, OrderType.MARKET, Decimal(qty),
                        tag="entry")


async def test_a_bars_fills_are_taken_before_the_bar_is_handed_out(server: SimServer) -> None:
    venue = await _paper(server)
    rec = Recorder(venue)
    try:
        placed = await venue.place_order(_buy("t1-entry"))
        assert placed.status is OrderStatus.NEW and placed.venue_id.startswith("t1-o")
        server.advance(1)
        first = await rec.next_candle()
        kinds = [kind for kind, _ in rec.log]
        assert kinds == ["fill", "candle"]
        fill = rec.log[0][1]
        assert isinstance(fill, Fill)
        assert first.ts_ms <= fill.ts_ms < first.close_ts_ms  # traded in that very bar
        inst = next(i for i in await venue.instruments() if i.symbol == "BTCUSD")
        # at the open, on the real instrument's tick (a buy rounds up)
        assert fill.price == inst.round_price(Decimal(str(first.open)), "up")
        assert fill.fill_id == "t1-BTCUSD-1" and fill.venue_order_id == placed.venue_id
        assert [p.qty for p in await venue.positions()] == [Decimal(100)]
        assert await venue.fills_since(first.ts_ms) == [fill]
        # the fee is the real instrument's taker fee, paid from the paper BTC
        balance = next(b for b in await venue.balances() if b.currency == inst.settle)
        assert fill.fee > 0 and balance.total == paper_starting_balance("BTC") - fill.fee
    finally:
        await rec.close()
        await venue.close()


async def test_rest_candles_are_never_newer_than_what_the_sim_matched(server: SimServer) -> None:
    venue = await _paper(server)
    try:
        now = server.exchange.now_ms
        server.advance(2)  # nobody streams: the sim has not seen these two bars
        later = now + 2 * 60_000
        history = await venue.candles("BTCUSD", "1m", now - 10 * 60_000, later)
        assert [c.close_ts_ms for c in history][-1] == now and len(history) == 10
        assert len(await venue.candles("BTCUSD", "5m", now - 3_600_000, later)) >= 11
    finally:
        await venue.close()


async def test_a_gap_in_the_stream_is_filled_from_rest_in_order(server: SimServer) -> None:
    plain = adapter_for(server, keys=False)
    market = SkipsOneBin(plain.config)
    await plain.close()
    market.skip_ms = server.exchange.now_ms + 60_000  # the second bar to close
    venue = await _paper(server, market)
    rec = Recorder(venue)
    try:
        await venue.place_order(_buy("t1-a"))
        server.advance(1)
        first = await rec.next_candle()
        await venue.place_order(_buy("t1-b"))  # rests until the missing bar
        server.advance(2)
        second, third = await rec.next_candle(), await rec.next_candle()
        assert [second.ts_ms, third.ts_ms] == [first.close_ts_ms, second.close_ts_ms]
        assert second.ts_ms == market.skip_ms  # the bin the websocket lost, read over REST
        kinds = [(k, v.ts_ms if isinstance(v, Candle) else v.client_id) for k, v in rec.log]
        assert kinds == [("fill", "t1-a"), ("candle", first.ts_ms), ("fill", "t1-b"),
                         ("candle", second.ts_ms), ("candle", third.ts_ms)]
        matched = venue.sim.engines["BTCUSD"].timeline.bars().ts_ms
        assert list(matched) == [first.ts_ms, second.ts_ms, third.ts_ms]
    finally:
        await rec.close()
        await venue.close()


async def test_paced_candles_wait_until_the_bot_acted_on_the_previous_one(
        server: SimServer) -> None:
    venue = await _paper(server)
    venue.pace = True
    rec = Recorder(venue)
    try:
        server.advance(3)  # a burst: three bars at once
        first = await rec.next_candle()
        await asyncio.sleep(0.2)  # the venue must hold the next bar back meanwhile
        assert rec.candles.empty() and venue.sim.engines["BTCUSD"].timeline.n == 1
        await venue.place_order(_buy("t1-late"))  # sent at the first close
        venue.acted("BTCUSD", first.ts_ms)
        second = await rec.next_candle()
        fill = next(v for k, v in rec.log if k == "fill")
        assert isinstance(fill, Fill) and second.ts_ms <= fill.ts_ms < second.close_ts_ms
        venue.acted("BTCUSD", second.ts_ms)
        assert (await rec.next_candle()).ts_ms == second.close_ts_ms
    finally:
        await rec.close()
        await venue.close()


async def test_orders_never_reach_the_real_venue(server: SimServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    signed: list[str] = []
    verify, verify_ws = server.auth.verify, server.auth.verify_ws
    monkeypatch.setattr(server.auth, "verify", lambda **kw: signed.append("rest") or verify(**kw))
    monkeypatch.setattr(server.auth, "verify_ws",
                        lambda *a: signed.append("ws") or verify_ws(*a))
    venue = await _paper(server)
    rec = Recorder(venue)
    try:
        await venue.set_leverage("BTCUSD", Decimal(5))
        await venue.place_order(_buy("t1-in"))
        server.advance(1)
        candle = await rec.next_candle()
        stop = OrderRequest("t1-stop", "BTCUSD", Side.SELL, OrderType.STOP_MARKET,
                            Decimal(100), stop_price=Decimal(int(candle.close * 0.9)),
                            reduce_only=True, tag="stop")
        await venue.place_order(stop)
        moved = await venue.amend_order("t1-stop", stop_price=Decimal(int(candle.close * 0.95)))
        assert moved.request.stop_price == Decimal(int(candle.close * 0.95))
        assert [o.client_id for o in await venue.open_orders()] == ["t1-stop"]
        await venue.cancel_all("BTCUSD")
        assert (await venue.order_by_client_id("t1-stop")).status is OrderStatus.CANCELED
        with pytest.raises(UsageError, match="lists no symbol 'BTCUSX'"):
            await venue.set_leverage("BTCUSX", Decimal(2))
    finally:
        await rec.close()
        await venue.close()
    assert not signed and not server.exchange.accepted_orders
    assert server.rest.requests and all(
        method == "GET" and path.rstrip("/") in PUBLIC_PATHS
        for method, path, _ in server.rest.requests), server.rest.requests


async def test_a_rebuilt_venue_books_its_own_fills_and_continues_their_ids(
        server: SimServer) -> None:
    from plutarc.models import Liquidity

    venue = await _paper(server)
    rec = Recorder(venue)
    try:
        def fill(fill_id: str) -> Fill:
            return Fill(fill_id, "t1-old", "x", "BTCUSD", Side.BUY, Decimal(200),
                        Decimal(40_000), Decimal("0.00001"), "BTC", Liquidity.TAKER, 1)

        assert venue.restore_fill(fill("t1-BTCUSD-7"))
        assert not venue.restore_fill(fill("a1b2c3-live-execution"))  # not paper money
        assert [p.qty for p in await venue.positions()] == [Decimal(200)]
        assert next(b.total for b in await venue.balances() if b.currency == "BTC") == (
            paper_starting_balance("BTC") - Decimal("0.00001"))
        await venue.place_order(_buy("t1-more"))
        server.advance(1)
        await rec.next_candle()
        new = next(v for k, v in rec.log if k == "fill")
        assert isinstance(new, Fill) and new.fill_id == "t1-BTCUSD-8"  # never a stored id
        assert [p.qty for p in await venue.positions()] == [Decimal(300)]
    finally:
        await rec.close()
        await venue.close()


async def test_a_long_running_paper_venue_keeps_a_bounded_window_of_bars(
        server: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Candles are served by the market, so the sim keeps only what matching needs."""
    import plutarc.exchanges.paper_venue as paper_venue

    monkeypatch.setattr(paper_venue, "KEEP_BARS", 8)
    venue = await _paper(server)
    rec = Recorder(venue)
    try:
        for _ in range(150):
            server.advance(1)
            await rec.next_candle()
        timeline = venue.sim.engines["BTCUSD"].timeline
        # 8 kept plus room to grow; keeping every bar would hold 256 rows by now
        assert timeline.n == 150 and len(timeline.ts_ms) <= 64
    finally:
        await rec.close()
        await venue.close()
