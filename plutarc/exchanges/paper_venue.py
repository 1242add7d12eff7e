"""PaperVenue: a real venue's public market data, with every order and fill on a local sim.

Market data (instruments, candles, server time, funding, open interest, the candle stream)
comes from a real venue adapter used without credentials; orders, fills, positions and
balances live on a SimVenue built from that venue's instruments (their fees, tick and lot).
Nothing but public market-data requests ever reaches the real venue.

Candles of the *fed* interval (the bot's base interval) drive the sim. Each closed candle
is matched first and handed out only after the fills it produced were taken by every fill
subscriber, so a bot applies a bar's fills before it acts on that bar's close, as the
backtester does. With ``pace`` on, the next candle is matched only once the bot said it
acted on the previous one (``acted``): orders sent at a close trade from the next bar even
when candles arrive in a burst. A gap in the stream is filled from REST, in order; REST
candles are never newer than what the sim has matched.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import weakref
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from decimal import Decimal

from plutarc.errors import UsageError
from plutarc.exchanges.base import Capabilities, FundingRate, OpenInterest, Venue
from plutarc.exchanges.paper_funding import PaperFunding
from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.engine import KEEP_BARS, SimMatchingEngine
from plutarc.exchanges.sim.venue import SimVenue
from plutarc.intervals import interval_ms
from plutarc.models import (
    Balance,
    Candle,
    Fill,
    Instrument,
    Order,
    OrderRequest,
    OrderType,
    Position,
)
from plutarc.validation import closest

PAPER_STARTING_BALANCES: dict[str, Decimal] = {"BTC": Decimal(1), "ETH": Decimal(20)}
"""Paper money per settle currency; every other (USD-like) settle starts with 10,000."""
PAPER_STARTING_DEFAULT = Decimal(10_000)
KEEP_FILLS = 10_000
"""Fills the paper venue remembers for ``fills_since`` (reconcile reads the last minutes)."""
_END = object()


def paper_starting_balance(currency: str) -> Decimal:
    return PAPER_STARTING_BALANCES.get(currency, PAPER_STARTING_DEFAULT)


class MarketClock:
    """The sim's time: the close of the latest candle it matched (never goes back)."""

    def __init__(self, start_ms: int = 0) -> None:
        self._now_ms = start_ms

    def now_ms(self) -> int:
        return self._now_ms

    def advance_to(self, ts_ms: int) -> None:
        self._now_ms = max(self._now_ms, ts_ms)


class FillStream:
    """One subscriber's fills; ``taken`` is awaited until it has taken every one published."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[object] = asyncio.Queue()

    def publish(self, item: object) -> None:
        self._queue.put_nowait(item)

    async def taken(self) -> None:
        await self._queue.join()

    def __aiter__(self) -> FillStream:
        return self

    async def __anext__(self) -> Fill:
        item = await self._queue.get()
        self._queue.task_done()
        if item is _END:
            raise StopAsyncIteration
        return item  # type: ignore[return-value]


class PaperVenue:
    """The Venue protocol: market data from ``market``, trading on a sim (see module doc)."""

    def __init__(self, market: Venue, interval: str, config: SimConfig, *,
                 id_prefix: str = "paper") -> None:
        self.market = market
        self.interval = interval
        self.interval_ms = interval_ms(interval)
        self.config = config
        self.id_prefix = id_prefix  # unique per bot: fill ids are unique across the store
        self.name = f"{market.name}-paper"
        # market data as the market serves it; orders as the sim takes them (stops rest on
        # the sim, which outlives nothing: a restart restores it from the bot's journal)
        self.capabilities: Capabilities = replace(
            market.capabilities, order_types=frozenset(OrderType), native_trailing_stop=True,
            post_only=True, reduce_only=True, websocket_orders=False, exchange_side_stops=True,
            extra={**market.capabilities.extra, "simulated": "true", "market": market.name})
        self.clock = MarketClock()
        self.funding = PaperFunding(market)  # charged from the market's own rates
        self.pace = False
        self.sim: SimVenue | None = None
        self._start_close = 0
        self._last_close: dict[str, int] = {}  # close of the last candle matched, per symbol
        self._handed: dict[str, int] = {}  # open time of the last candle the stream handed out
        self._acted: dict[str, int] = {}  # open time of the last candle the bot acted on
        self._acted_signal: dict[str, asyncio.Event] = {}
        self._fills: deque[Fill] = deque(maxlen=KEEP_FILLS)  # what fills_since can tell
        self._subscribers: weakref.WeakSet[FillStream] = weakref.WeakSet()
        self._fill_seq: dict[str, int] = {}
        self._venue_ids: dict[str, str] = {}  # client id -> our venue order id
        self._orders_sent = 0
        self._closed = False

    # lifecycle and restore -------------------------------------------------------------
    async def start(self) -> None:
        """Load the market's instruments and build the sim (once); matching starts now."""
        if self.sim is not None:
            return
        instruments = await self.market.instruments()
        account = SimAccount(starting_balances(instruments))
        now = await self.market.server_time_ms()
        self._start_close = now - now % self.interval_ms
        self.clock.advance_to(self._start_close)
        # candles are served by the market, so the sim keeps only what matching needs:
        # a paper bot runs for months
        self.sim = SimVenue(self.name, instruments, self.config, self.clock, account=account,
                            keep_bars=KEEP_BARS)

    def resume_from(self, symbol: str, close_ms: int) -> None:
        """After a restart: the old sim had matched ``symbol`` up to this candle close."""
        self._engine(symbol)
        self._last_close[symbol] = close_ms

    def restore_fill(self, fill: Fill) -> bool:
        """Book a fill this paper venue made before a restart into the sim's position and
        wallet (no event); False for a fill it never made (e.g. from the bot's live days)."""
        found = re.fullmatch(rf"{re.escape(self.id_prefix)}-{re.escape(fill.symbol)}-(\d+)",
                             fill.fill_id)
        if found is None:
            return False
        engine = self._engine(fill.symbol)
        signed = fill.qty if fill.side.sign > 0 else -fill.qty
        realised = engine.position.apply(signed, fill.price)
        engine.account.book_trade(engine.settle, realised, fill.fee)
        self._fill_seq[fill.symbol] = max(self._fill_seq.get(fill.symbol, 0),
                                          int(found.group(1)))
        return True

    async def resubmit(self, request: OrderRequest, venue_id: str | None) -> Order:
        """An order that was resting on the old sim rests again, under its old ids."""
        order = await self._sim().place_order(request)
        if venue_id:
            self._venue_ids[request.client_id] = venue_id
        return self._ours(order)

    def placed_at(self, venue_id: str | None) -> int | None:
        """The candle close the sim had reached when it took the order with this venue id."""
        found = re.fullmatch(rf"{re.escape(self.id_prefix)}-o(\d+)-\d+", venue_id or "")
        return int(found.group(1)) if found else None

    async def catch_up(self, symbol: str) -> int:
        """Match the candles that closed since ``resume_from`` (the bot was away: its resting
        orders worked meanwhile); their fills are in ``fills_since``. Returns how many."""
        matched = 0
        for candle in await self._rest_since(symbol, await self._closed_by()):
            await self.funding.before(self._engine(symbol), candle)
            matched += self._match(symbol, candle)
        return matched

    def acted(self, symbol: str, ts_ms: int) -> None:
        """The bot has acted on the candle of ``symbol`` opening at ``ts_ms``."""
        self._acted[symbol] = max(self._acted.get(symbol, -1), ts_ms)
        self._signal(symbol).set()

    # market data -------------------------------------------------------------------------
    async def instruments(self) -> list[Instrument]:
        await self.start()
        return await self._sim().instruments()

    async def candles(self, symbol: str, interval: str, start_ms: int, end_ms: int
                      ) -> list[Candle]:
        """The market's candles; of the fed interval, only those the sim has matched."""
        if interval_ms(interval) == self.interval_ms:
            await self.start()
            end_ms = min(end_ms, self._last(symbol))
        found = await self.market.candles(symbol, interval, start_ms, end_ms)
        await self._fills_taken()  # fills of these candles go out before the candles
        return found

    async def server_time_ms(self) -> int:
        return await self.market.server_time_ms()

    async def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list[FundingRate]:
        return await self.market.funding_rates(symbol, start_ms, end_ms)

    async def open_interest(self, symbol: str, start_ms: int, end_ms: int
                            ) -> list[OpenInterest]:
        return await self.market.open_interest(symbol, start_ms, end_ms)

    async def best_bid_ask(self, symbol: str) -> tuple[float, float] | None:
        """The real venue's best bid and ask (for the spread strategies see), if it has them."""
        quote = getattr(self.market, "best_bid_ask", None)
        return None if quote is None else await quote(symbol)

    def stream_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        if interval_ms(interval) != self.interval_ms:
            return self.market.stream_candles(symbol, interval)
        return self._matched_candles(symbol)

    # trading: all on the sim -------------------------------------------------------------
    async def place_order(self, request: OrderRequest) -> Order:
        order = await self._sim().place_order(request)
        self._orders_sent += 1
        self._venue_ids[request.client_id] = (
            f"{self.id_prefix}-o{self.clock.now_ms()}-{self._orders_sent}")
        return self._ours(order)

    async def amend_order(self, client_id: str, *, qty: Decimal | None = None,
                          price: Decimal | None = None, stop_price: Decimal | None = None
                          ) -> Order:
        return self._ours(await self._sim().amend_order(client_id, qty=qty, price=price,
                                                        stop_price=stop_price))

    async def cancel_order(self, client_id: str) -> Order:
        return self._ours(await self._sim().cancel_order(client_id))

    async def cancel_all(self, symbol: str | None = None) -> list[Order]:
        return [self._ours(o) for o in await self._sim().cancel_all(symbol)]

    async def order_by_client_id(self, client_id: str) -> Order | None:
        order = await self._sim().order_by_client_id(client_id)
        return None if order is None else self._ours(order)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [self._ours(o) for o in await self._sim().open_orders(symbol)]

    async def positions(self) -> list[Position]:
        return await self._sim().positions()

    async def balances(self) -> list[Balance]:
        return await self._sim().balances()

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        return [f for f in self._fills
                if f.ts_ms >= since_ms and (symbol is None or f.symbol == symbol)]

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        await self._sim().set_leverage(symbol, leverage)

    def stream_fills(self) -> FillStream:
        stream = FillStream()
        self._subscribers.add(stream)
        return stream

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for stream in list(self._subscribers):
            stream.publish(_END)
        for signal in self._acted_signal.values():
            signal.set()
        try:
            if self.sim is not None:
                await self.sim.close()
        finally:
            await self.market.close()

    # internals ---------------------------------------------------------------------------
    async def _matched_candles(self, symbol: str) -> AsyncIterator[Candle]:
        """The market's stream, each candle matched (after the previous one was acted on)
        and handed out once its fills were taken; gaps and the start filled from REST."""
        await self.start()
        self._engine(symbol)
        self._handed.pop(symbol, None)  # a new subscriber owes no act for an old one's candle
        inbox: asyncio.Queue[object] = asyncio.Queue()
        pump = asyncio.create_task(self._pump(symbol, inbox), name=f"paper-market-{symbol}")
        try:
            await asyncio.sleep(0)  # the market subscribes before the first REST read
            wait_live = getattr(self.market, "wait_streams_live", None)
            if wait_live is not None:
                with contextlib.suppress(Exception):
                    await wait_live(10.0)
            backlog = await self._rest_since(symbol, await self._closed_by())
            while not self._closed:
                if not backlog:
                    item = await inbox.get()
                    if item is _END:
                        return
                    if isinstance(item, BaseException):
                        raise item
                    assert isinstance(item, Candle)
                    last = self._last(symbol)
                    backlog = (await self._rest_since(symbol, item.ts_ms)
                               if item.ts_ms > last else []) + [item]
                candle = backlog.pop(0)
                if self.pace:
                    await self._wait_acted(symbol)
                await self.funding.before(self._engine(symbol), candle)
                if self._closed or not self._match(symbol, candle):
                    continue
                self._handed[symbol] = candle.ts_ms
                await self._fills_taken()
                yield candle
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump

    async def _pump(self, symbol: str, inbox: asyncio.Queue[object]) -> None:
        try:
            async for candle in self.market.stream_candles(symbol, self.interval):
                inbox.put_nowait(candle)
            inbox.put_nowait(_END)
        except Exception as exc:  # handed to the consumer, which raises it
            inbox.put_nowait(exc)

    def _match(self, symbol: str, candle: Candle) -> bool:
        """Feed one closed candle to the sim; False when it was matched already."""
        if candle.close_ts_ms <= self._last(symbol):
            return False
        fills = self._sim().feed(symbol, candle)
        self.funding.after(self._engine(symbol))  # the bar's funding, before its fills
        self._last_close[symbol] = candle.close_ts_ms
        self.clock.advance_to(candle.close_ts_ms)
        for fill in fills:
            seq = self._fill_seq[symbol] = self._fill_seq.get(symbol, 0) + 1
            ours = replace(fill, fill_id=f"{self.id_prefix}-{symbol}-{seq}",
                           venue_order_id=self._venue_ids.get(fill.client_id,
                                                              fill.venue_order_id))
            self._fills.append(ours)
            for stream in list(self._subscribers):
                stream.publish(ours)
        return True

    async def _rest_since(self, symbol: str, end_ms: int) -> list[Candle]:
        start = self._last(symbol)
        if end_ms <= start:
            return []
        found = await self.market.candles(symbol, self.interval, start, end_ms)
        return [c for c in found if c.close_ts_ms > self._last(symbol)]

    async def _closed_by(self) -> int:
        """Open time bound of the candles closed by now at the market."""
        now = await self.market.server_time_ms()
        return now - now % self.interval_ms

    async def _fills_taken(self) -> None:
        for stream in list(self._subscribers):
            await stream.taken()

    async def _wait_acted(self, symbol: str) -> None:
        signal = self._signal(symbol)
        while not self._closed and self._acted.get(symbol, -1) < self._handed.get(symbol, -1):
            signal.clear()
            await signal.wait()

    def _signal(self, symbol: str) -> asyncio.Event:
        return self._acted_signal.setdefault(symbol, asyncio.Event())

    def _last(self, symbol: str) -> int:
        return self._last_close.get(symbol, self._start_close)

    def _ours(self, order: Order) -> Order:
        venue_id = self._venue_ids.get(order.client_id)
        return order if venue_id is None else replace(order, venue_id=venue_id)

    def _sim(self) -> SimVenue:
        if self.sim is None:
            raise UsageError(f"{self.name} is not started: call start() first")
        return self.sim

    def _engine(self, symbol: str) -> SimMatchingEngine:
        engine = self._sim().engines.get(symbol)
        if engine is None:
            hint = closest(symbol, self._sim().engines)
            raise UsageError(f"{self.market.name} lists no symbol {symbol!r}"
                             + (f"; did you mean {hint!r}?" if hint else ""))
        return engine


def starting_balances(instruments: Iterable[Instrument]) -> dict[str, Decimal]:
    """The paper money a fresh account holds in each settle currency of ``instruments``."""
    return {inst.settle: paper_starting_balance(inst.settle) for inst in instruments}
