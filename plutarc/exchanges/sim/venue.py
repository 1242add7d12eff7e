"""SimVenue: the async Venue protocol over one matching engine per symbol, for paper trading."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from decimal import Decimal

import numpy as np

from plutarc.clock import Clock
from plutarc.errors import DataError, FinalVenueError, OrderRejected, UsageError
from plutarc.exchanges.base import Capabilities, FundingRate, OpenInterest
from plutarc.exchanges.sim.account import SimAccount
from plutarc.exchanges.sim.config import SimConfig
from plutarc.exchanges.sim.engine import SimMatchingEngine
from plutarc.exchanges.sim.streams import Hub, Stream
from plutarc.intervals import INTERVAL_MS, interval_ms
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
from plutarc.strategy.context import TimeSeries
from plutarc.strategy.series import Bars, resample

KEEP_FILLS = 10_000
"""Fills a SimVenue remembers for ``fills_since``: a paper venue runs for months."""


class SimVenue:
    """A local venue: candles are fed in (``feed``), each one is matched as it closes, and
    the bot talks to it through the same async Venue methods as to a real exchange.

    ``keep_bars``: fed candles each symbol keeps for ``candles()`` and the resampled candle
    streams (None, the default: all of them; a stream of N-times the fed interval needs N)."""

    def __init__(
        self,
        name: str,
        instruments: Iterable[Instrument],
        config: SimConfig,
        clock: Clock,
        *,
        account: SimAccount | None = None,
        funding: Mapping[str, TimeSeries] | None = None,
        open_interest: Mapping[str, TimeSeries] | None = None,
        keep_bars: int | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.clock = clock
        self.account = account if account is not None else SimAccount()
        self._instruments = {inst.symbol: inst for inst in instruments}
        self._funding = dict(funding or {})
        self._open_interest = dict(open_interest or {})
        self.engines = {
            symbol: SimMatchingEngine(
                inst, config, self.account, self._funding.get(symbol), keep_bars=keep_bars
            )
            for symbol, inst in self._instruments.items()
        }
        self.capabilities = Capabilities(
            native_intervals=tuple(INTERVAL_MS),  # any multiple of the fed interval
            order_types=frozenset(OrderType),
            native_trailing_stop=True,
            inverse_contracts=True,
            exchange_side_stops=True,
            funding_interval_h=config.funding_interval_h,
            max_candles_per_request=1_000_000,
            extra={"simulated": "true"},
        )
        self._owner: dict[str, str] = {}  # client id -> symbol
        self._fills: deque[Fill] = deque(maxlen=KEEP_FILLS)  # what fills_since tells
        self._fill_hub: Hub[Fill] = Hub()
        self._candle_hubs: dict[tuple[str, int], Hub[Candle]] = {}
        self._closed = False

    # -- market data in ------------------------------------------------------------------

    def feed(self, symbol: str, candle: Candle, atr: float | None = None) -> list[Fill]:
        """A candle of ``symbol`` has closed: match it, publish its fills and the candles
        (fed and synthesised) that closed with it."""
        self._check_open()
        engine = self._engine(symbol)
        i = engine.append_bar(candle, atr)
        fills = engine.process_bar(i)
        for fill in fills:
            self._fills.append(fill)
            self._fill_hub.publish(fill)
        for (sym, length), hub in self._candle_hubs.items():
            if sym == symbol and hub:
                closed = self._closed_candle(engine, candle, length)
                if closed is not None:
                    hub.publish(closed)
        return fills

    def _closed_candle(
        self, engine: SimMatchingEngine, candle: Candle, length: int
    ) -> Candle | None:
        if length == candle.interval_ms:
            return candle
        if (
            length < candle.interval_ms
            or length % candle.interval_ms
            or candle.close_ts_ms % length
        ):
            return None
        held = engine.timeline.bars()
        first = int(np.searchsorted(held.ts_ms, candle.close_ts_ms - length))
        grouped = resample(held.slice(first, len(held)), length)
        return grouped.candle(len(grouped) - 1) if len(grouped) else None

    # -- Venue protocol -------------------------------------------------------------------

    async def instruments(self) -> list[Instrument]:
        return list(self._instruments.values())

    async def candles(self, symbol: str, interval: str, start_ms: int, end_ms: int) -> list[Candle]:
        bars = self._bars(symbol, interval)
        lo, hi = np.searchsorted(bars.ts_ms, [start_ms, end_ms])
        return [bars.candle(i) for i in range(int(lo), int(hi))]

    async def place_order(self, request: OrderRequest) -> Order:
        self._check_open()
        if request.client_id in self._owner:
            raise OrderRejected(f"order {request.client_id}: client id already used")
        engine = self.engines.get(request.symbol)
        if engine is None:
            raise OrderRejected(
                f"order {request.client_id}: {self.name} lists no {request.symbol!r}"
            )
        self._owner[request.client_id] = request.symbol
        return engine.submit(request, self.clock.now_ms())

    async def amend_order(
        self,
        client_id: str,
        *,
        qty: Decimal | None = None,
        price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> Order:
        self._check_open()
        return self._owning(client_id).amend(
            client_id, qty=qty, price=price, stop_price=stop_price, now_ms=self.clock.now_ms()
        )

    async def cancel_order(self, client_id: str) -> Order:
        self._check_open()
        return self._owning(client_id).cancel(client_id, self.clock.now_ms())

    async def cancel_all(self, symbol: str | None = None) -> list[Order]:
        self._check_open()
        now = self.clock.now_ms()
        return [order for engine in self._engines_for(symbol) for order in engine.cancel_all(now)]

    async def order_by_client_id(self, client_id: str) -> Order | None:
        symbol = self._owner.get(client_id)
        return self.engines[symbol].order(client_id) if symbol is not None else None

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [order for engine in self._engines_for(symbol) for order in engine.open_orders()]

    async def positions(self) -> list[Position]:
        now = self.clock.now_ms()
        return [
            engine.position_snapshot(now) for engine in self.engines.values() if engine.position.qty
        ]

    async def balances(self) -> list[Balance]:
        return self.account.balances(self.clock.now_ms())

    async def fills_since(self, since_ms: int, symbol: str | None = None) -> list[Fill]:
        return [
            f for f in self._fills if f.ts_ms >= since_ms and (symbol is None or f.symbol == symbol)
        ]

    async def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list[FundingRate]:
        self._engine(symbol)
        series = self._funding.get(symbol)
        if series is not None:
            return [
                FundingRate(symbol, int(t), float(v))
                for t, v in zip(series.ts_ms, series.values, strict=True)
                if start_ms <= t < end_ms
            ]
        rate = self.config.funding_rate_constant
        if rate is None:
            return []
        step, offset = self.config.funding_interval_ms, self.config.funding_offset_h * 3_600_000
        first = -(-(start_ms - offset) // step) * step + offset
        return [FundingRate(symbol, t, rate) for t in range(first, end_ms, step)]

    async def open_interest(self, symbol: str, start_ms: int, end_ms: int) -> list[OpenInterest]:
        self._engine(symbol)
        series = self._open_interest.get(symbol)
        if series is None:
            return []
        return [
            OpenInterest(symbol, int(t), float(v))
            for t, v in zip(series.ts_ms, series.values, strict=True)
            if start_ms <= t < end_ms
        ]

    async def server_time_ms(self) -> int:
        return self.clock.now_ms()

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        self._check_open()
        self._engine(symbol).set_leverage(leverage)

    def stream_fills(self) -> Stream[Fill]:
        return self._fill_hub.subscribe()

    def stream_candles(self, symbol: str, interval: str) -> Stream[Candle]:
        self._engine(symbol)
        hub = self._candle_hubs.setdefault((symbol, interval_ms(interval)), Hub())
        return hub.subscribe()

    async def close(self) -> None:
        self._closed = True
        self._fill_hub.end()
        for hub in self._candle_hubs.values():
            hub.end()

    # -- internals ------------------------------------------------------------------------

    def _engine(self, symbol: str) -> SimMatchingEngine:
        engine = self.engines.get(symbol)
        if engine is None:
            known = ", ".join(sorted(self.engines)) or "none"
            raise UsageError(f"{self.name} lists no symbol {symbol!r} (it has: {known})")
        return engine

    def _engines_for(self, symbol: str | None) -> list[SimMatchingEngine]:
        return list(self.engines.values()) if symbol is None else [self._engine(symbol)]

    def _owning(self, client_id: str) -> SimMatchingEngine:
        symbol = self._owner.get(client_id)
        if symbol is None:
            raise OrderRejected(f"order {client_id}: unknown to {self.name}")
        return self.engines[symbol]

    def _bars(self, symbol: str, interval: str) -> Bars:
        tl = self._engine(symbol).timeline
        length = interval_ms(interval)
        if tl.rows == 0:
            return Bars.empty(length)
        if length < tl.interval_ms or length % tl.interval_ms:
            raise DataError(
                f"{self.name} is fed {tl.interval_ms // 60_000}m candles of {symbol}; "
                f"{interval} cannot be built from them"
            )
        return resample(tl.bars(), length)

    def _check_open(self) -> None:
        if self._closed:
            raise FinalVenueError(f"sim venue {self.name} is closed")
