"""The shared part of the local venue servers: a real candle tape on the wall clock, a small
matching book (orders, fills, net positions, one wallet), and the aiohttp server thread.

Each venue's module (binance.py, bybit.py, okx.py) speaks that venue's wire format, built
from its recorded payloads under tests/fixtures/<venue>/, and checks its signatures. The
servers are strict: an unknown path, a missing or wrong signature, a stale timestamp or an
unknown order gets the venue's error, never a kinder answer.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
MINUTE = 60_000


class VenueClock:
    """The local venues' clock: the wall clock plus a shift that only ever grows.

    A test moves it forward between daemon lives so that the next bar closes a few seconds
    after the bot is up, as if the daemon had been down that long; a running adapter never
    sees it jump (it measured its offset to this clock when it started)."""

    def __init__(self) -> None:
        self.shift_ms = 0

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.shift_ms

    def close_in(self, lead_ms: int, step: int = MINUTE) -> int:
        """Move forward so that the next ``step`` bar closes ``lead_ms`` from now (the one
        after when that one is nearer than ``lead_ms``): returns that close time."""
        now = self.now_ms()
        close = now - now % step + step
        if close - now < lead_ms:
            close += step
        self.shift_ms += close - now - lead_ms
        return close

    def reset(self) -> None:
        self.shift_ms = 0


VENUE_CLOCK = VenueClock()


def now_ms() -> int:
    """The local venues' now (the wall clock unless a test moved VENUE_CLOCK forward)."""
    return VENUE_CLOCK.now_ms()


class Tape:
    """Real 1m bars replayed on the wall clock: bar k opens at ``anchor + k`` minutes, so
    ``history`` bars have closed when the server starts and one more closes each minute."""

    def __init__(self, history: int = 1000,
                 path: Path = FIXTURES / "candles" / "BTCUSDT_1m_2024-01-01.csv",
                 at_recorded_times: bool = False) -> None:
        with path.open() as fh:
            rows = list(csv.reader(fh))
        self.rows = [tuple(float(x) for x in r[1:6]) for r in rows]
        start = now_ms()
        self.anchor = start - start % MINUTE - history * MINUTE
        if at_recorded_times:  # the bars at their own dates (backtests of a past range)
            self.anchor = int(rows[0][0])

    def bar(self, open_ms: int, step: int = MINUTE) -> tuple[int, float, float, float, float,
                                                             float]:
        """The ``step`` bar opening at ``open_ms`` (grouped from 1m rows; forming if now)."""
        first = (open_ms - self.anchor) // MINUTE
        last_minute = min(first + step // MINUTE, (now_ms() - self.anchor) // MINUTE + 1)
        rows = [self.rows[k % len(self.rows)] for k in range(first, max(first + 1, last_minute))]
        return (open_ms, rows[0][0], max(r[1] for r in rows), min(r[2] for r in rows),
                rows[-1][3], sum(r[4] for r in rows))

    def bars(self, step: int, start: int | None, end: int | None, limit: int,
             newest_first: bool = False) -> list[tuple]:
        """Bars opening in [start, end] (venues include the forming bar), at most ``limit``."""
        now = now_ms()
        last_open = now - now % step
        first_open = self.anchor - self.anchor % step + step
        hi = last_open if end is None else min(last_open, end - end % step)
        lo = first_open if start is None else max(first_open, -(-start // step) * step)
        if start is None:
            lo = max(lo, hi - (limit - 1) * step)
        opens = list(range(lo, hi + 1, step))[:limit]
        out = [self.bar(o, step) for o in opens]
        return out[::-1] if newest_first else out

    def price(self) -> float:
        """The last trade: the forming bar's latest close."""
        now = now_ms()
        return self.bar(now - now % MINUTE)[4]


@dataclass
class Resting:
    venue_id: str
    client_id: str
    symbol: str
    side: str  # "buy" | "sell"
    kind: str  # "market" | "limit" | "stop_market" | "stop_limit"
    qty: Decimal
    price: Decimal | None
    stop: Decimal | None
    reduce_only: bool
    created_ms: int
    status: str = "new"  # new | filled | canceled
    filled: Decimal = Decimal(0)
    avg: Decimal | None = None
    updated_ms: int = 0
    triggered: bool = False


@dataclass
class Trade:
    trade_id: str
    order: Resting
    qty: Decimal
    price: Decimal
    fee: Decimal
    ts_ms: int
    maker: bool


@dataclass
class Book:
    """One account on the local venue: orders by id, trades, net positions, a USDT wallet."""

    tape: Tape
    fee_rate: Decimal = Decimal("0.0005")
    wallet: Decimal = Decimal(10_000)
    orders: dict[str, Resting] = field(default_factory=dict)
    trades: list[Trade] = field(default_factory=list)
    positions: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # qty, entry
    ids: itertools.count = field(default_factory=lambda: itertools.count(830_000_001))
    matched_to: int = 0
    sizes: dict[str, Decimal] = field(default_factory=dict)  # contract size per symbol

    def by_client(self, client_id: str) -> Resting | None:
        for order in reversed(self.orders.values()):  # the latest under a reused client id
            if order.client_id == client_id:
                return order
        return None

    def place(self, order: Resting) -> Resting:
        self.orders[order.venue_id] = order
        order.updated_ms = order.created_ms
        price = Decimal(str(self.tape.price()))
        if order.kind == "market" or (order.kind == "limit" and _crosses(order, price)):
            self._fill(order, price, maker=False)
        return order

    def match(self) -> None:
        """Match resting orders against each bar that closed since the last call."""
        now = now_ms()
        last_closed = now - now % MINUTE - MINUTE
        start = max(self.matched_to, last_closed - 5 * MINUTE)
        for open_ms in range(start, last_closed + 1, MINUTE):
            if open_ms < self.tape.anchor:
                continue
            _, _o, high, low, _c, _v = self.tape.bar(open_ms)
            for order in [o for o in self.orders.values() if o.status == "new"]:
                if order.created_ms >= open_ms + MINUTE:
                    continue
                self._match_bar(order, Decimal(str(high)), Decimal(str(low)))
        self.matched_to = last_closed + MINUTE

    def _match_bar(self, order: Resting, high: Decimal, low: Decimal) -> None:
        if order.kind.startswith("stop") and not order.triggered:
            hit = high >= order.stop if order.side == "buy" else low <= order.stop
            if not hit:
                return
            order.triggered = True
            if order.kind == "stop_market":
                self._fill(order, order.stop, maker=False)  # type: ignore[arg-type]
                return
        if order.price is not None and (low <= order.price if order.side == "buy"
                                        else high >= order.price):
            self._fill(order, order.price, maker=True)

    def _fill(self, order: Resting, price: Decimal, maker: bool) -> None:
        qty = order.qty - order.filled
        signed = qty if order.side == "buy" else -qty
        held, entry = self.positions.get(order.symbol, (Decimal(0), Decimal(0)))
        if order.reduce_only and (held == 0 or (held > 0) == (signed > 0)):
            order.status, order.updated_ms = "canceled", now_ms()  # nothing to reduce
            return
        size = self.sizes.get(order.symbol, Decimal(1))
        fee = qty * size * price * self.fee_rate
        new = held + signed
        if held == 0 or (held > 0) == (signed > 0):
            entry = (abs(held) * entry + qty * price) / abs(new)
        else:
            closed = min(abs(held), qty)
            self.wallet += closed * size * (price - entry) * (1 if held > 0 else -1)
            if new != 0 and (new > 0) != (held > 0):
                entry = price
        self.wallet -= fee
        self.positions[order.symbol] = (new, entry if new != 0 else Decimal(0))
        order.filled, order.avg, order.status = order.qty, price, "filled"
        order.updated_ms = now_ms()
        self.trades.append(Trade(str(next(self.ids)), order, qty, price, fee, order.updated_ms,
                                 maker))

    def new_id(self) -> str:
        return str(next(self.ids))


def _crosses(order: Resting, price: Decimal) -> bool:
    assert order.price is not None
    return order.price >= price if order.side == "buy" else order.price <= price


class ServerThread:
    """Runs an aiohttp app on 127.0.0.1 (a free port) in a thread; ``url`` is its base."""

    def __init__(self, make_app: Callable[[], web.Application]) -> None:
        self._make_app = make_app
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0
        self.requests: list[tuple[str, str]] = []  # (method, path) in arrival order

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = self._app

        @web.middleware
        async def log(request: web.Request, handler):  # noqa: ANN001, ANN202
            self.requests.append((request.method, request.path))
            return await handler(request)

        app.middlewares.append(log)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerThread:
        self._app = self._make_app()  # built here: imports in a second thread can crash
        self._thread.start()
        self._ready.wait(10)
        return self

    def restart(self) -> None:
        """Down and up again on the same port, as a venue restarting behind its address:
        every open connection is dropped; the account (orders, positions) is kept."""
        async def again() -> None:
            await self._runner.cleanup()
            self._runner = web.AppRunner(self._app)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        asyncio.run_coroutine_threadsafe(again(), self._loop).result(10)

    def stop(self) -> None:
        async def down() -> None:
            await self._runner.cleanup()
        asyncio.run_coroutine_threadsafe(down(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
