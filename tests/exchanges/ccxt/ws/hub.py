"""The shared part of the local venue WebSocket servers: sockets, outages, the pump.

A venue's WS module (binance.py, bybit.py, okx.py) adds its routes to the venue's REST app
(tests/exchanges/ccxt/replay/), so both speak for the one book: an order placed over REST
is announced on the private sockets by the pump, and a fill the sockets never carried (the
server was down) is still in the REST trade history. The venue modules render messages in
their own wire format from recorded payloads; this module only decides when and to whom.

Outages: ``drop()`` closes every socket and refuses new ones (HTTP 503 on the upgrade)
until ``allow()``; what happens meanwhile is not sent later (venues do not buffer).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.exchanges.ccxt.replay.core import (
    Book,
    Resting,
    ServerThread,
    Tape,
    Trade,
    now_ms,
)


@dataclass
class Sock:
    ws: web.WebSocketResponse
    private: bool = False  # authenticated (or opened with a valid listen key)
    topics: set[str] = field(default_factory=set)  # public: e.g. "BTCUSDT|1m"; private: names


class Hub:
    """Sockets of one local venue and the pump announcing the book's changes to them."""

    def __init__(self, book: Book, tape: Tape, tick_s: float = 0.2) -> None:
        self.book, self.tape, self.tick_s = book, tape, tick_s
        self.socks: list[Sock] = []
        self.refusing = False
        self.connects = 0  # WS upgrades accepted
        # (what, detail) in order: auth, subscribe, "pushed fill" (its trade id), ...
        self.log: list[tuple[str, Any]] = []
        self._orders: dict[str, tuple[str, str]] = {}  # venue id -> (status, filled) announced
        self._trades = 0  # book.trades announced (or lost to an outage)
        self._bars: dict[str, int] = {}  # socket|topic -> open ms of the bar last sent
        self.thread: ServerThread | None = None
        # set by the venue module: messages for an order's new state / a trade / a bar
        self.render_order: Callable[[Resting], list[dict]] = lambda o: []
        self.render_trade: Callable[[Trade], list[dict]] = lambda t: []
        self.render_bar: Callable[[str, tuple, bool], dict | None] = lambda t, b, c: None

    # -- sockets ------------------------------------------------------------------------------
    async def accept(self, request: web.Request) -> web.WebSocketResponse | web.Response:
        if self.refusing:
            return web.Response(status=503, text="service unavailable")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connects += 1
        return ws

    async def serve(self, ws: web.WebSocketResponse, sock: Sock,
                    on_text: Callable[[Sock, dict], Any]) -> web.WebSocketResponse:
        """Read the client's frames until it or we close; ``on_text`` answers each."""
        self.socks.append(sock)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if msg.data == "ping":  # OKX's text heartbeat
                    await ws.send_str("pong")
                    continue
                answer = on_text(sock, json.loads(msg.data))
                if asyncio.iscoroutine(answer):
                    await answer
        finally:
            with contextlib.suppress(ValueError):
                self.socks.remove(sock)
        return ws

    async def send(self, sock: Sock, message: dict) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await sock.ws.send_str(json.dumps(strip(message)))

    def run(self, coro: Any) -> Any:
        """Run ``coro`` on the server's loop from the test's thread."""
        assert self.thread is not None
        return asyncio.run_coroutine_threadsafe(coro, self.thread._loop).result(10)

    def drop(self, refuse: bool = True) -> None:
        async def down() -> None:
            self.refusing = refuse
            for sock in list(self.socks):
                await sock.ws.close(code=1001, message=b"going away")
        self.run(down())

    def allow(self) -> None:
        async def up() -> None:
            self.refusing = False
        self.run(up())

    def push(self, message: dict, private: bool = True) -> None:
        async def go() -> None:
            for sock in list(self.socks):
                if sock.private == private:
                    await self.send(sock, message)
        self.run(go())

    # -- the pump -----------------------------------------------------------------------------
    async def start(self, _app: web.Application) -> None:
        self._task = asyncio.get_running_loop().create_task(self._pump())

    async def stop(self, _app: web.Application) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        for sock in list(self.socks):
            await sock.ws.close()

    async def _pump(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            self.book.match()
            await self._private()
            await self._public()

    async def _private(self) -> None:
        out: list[dict] = []
        for order in list(self.book.orders.values()):
            state = (order.status, str(order.filled))
            if self._orders.get(order.venue_id) != state:
                self._orders[order.venue_id] = state
                out += self.render_order(order)
        fills: dict[int, str] = {}  # id of a trade's message -> its trade id
        for trade in self.book.trades[self._trades:]:
            for message in self.render_trade(trade):
                fills[id(message)] = trade.trade_id
                out.append(message)
        self._trades = len(self.book.trades)
        for sock in [s for s in self.socks if s.private]:
            for message in out:
                if _wants(sock, message):
                    await self.send(sock, message)
                    if id(message) in fills:
                        self.log.append(("pushed fill", fills[id(message)]))

    async def _public(self) -> None:
        now = now_ms()
        for sock in [s for s in self.socks if not s.private]:
            for topic in sorted(t for t in sock.topics if t.count("|") == 2):
                step = int(topic.split("|")[2])  # "<symbol>|<interval>|<step ms>"
                forming = now - now % step
                key = f"{id(sock)}|{topic}"  # a new socket starts at the forming bar
                sent = self._bars.get(key)
                if sent is not None and sent < forming:  # closed since: its final state
                    message = self.render_bar(topic, self.tape.bar(sent, step), True)
                    if message is not None:
                        await self.send(sock, message)
                message = self.render_bar(topic, self.tape.bar(forming, step), False)
                if message is not None:
                    await self.send(sock, message)
                self._bars[key] = forming


def _wants(sock: Sock, message: dict) -> bool:
    """A private message goes to a socket subscribed to its channel (``_channel``, popped
    by the renderers' callers; venues without channels send all)."""
    channel = message.get("_channel")
    return channel is None or channel in sock.topics


def strip(message: dict) -> dict:
    return {k: v for k, v in message.items() if k != "_channel"}
