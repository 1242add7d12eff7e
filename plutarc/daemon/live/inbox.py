"""What a live bot's loop acts on, in arrival order: closed candles, fills, pump errors.

Each venue stream runs in a pump task that puts its items on one queue, so the loop takes
candles and fills in the order they arrived, one at a time. Daemon commands are answered
the moment they arrive, even between candles (a template, risk or symbol change must not
wait for the next close). A connection gets a fresh inbox: nothing from an earlier one is
acted on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from plutarc.daemon.live.leg import LiveLeg
from plutarc.daemon.runtime.protocol import BotCommand, BotContext
from plutarc.models import Candle, Fill

Event = tuple[str, Any]
"""("candle", (leg, candle)), ("fill", fill), ("error", exc), or ("tick", None)."""


class Inbox:
    def __init__(self) -> None:
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.pumps: list[asyncio.Task[None]] = []
        self.streams: dict[str, asyncio.Task[None]] = {}  # symbol -> its candle pump

    def put_candle(self, leg: LiveLeg, candle: Candle) -> None:
        self.events.put_nowait(("candle", (leg, candle)))

    def pump_fills(self, source: AsyncIterator[Fill]) -> None:
        self.pumps.append(asyncio.create_task(self._pump_fills(source), name="live-fills"))

    def keep(self, task: asyncio.Task[None]) -> None:
        """Another task of this connection, cancelled with it."""
        self.pumps.append(task)

    def pump_candles(self, leg: LiveLeg, source: AsyncIterator[Candle]) -> None:
        self.streams[leg.symbol] = asyncio.create_task(self._pump_candles(leg, source),
                                                       name=f"live-candles-{leg.symbol}")

    async def close_stream(self, symbol: str) -> None:
        task = self.streams.pop(symbol, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def close(self) -> None:
        """Cancel every pump of the connection and wait for them to end."""
        tasks = [*self.pumps, *self.streams.values()]
        self.pumps, self.streams = [], {}
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def next(self, ctx: BotContext,
                   answer: Callable[[BotContext, BotCommand], Awaitable[None]]) -> Event:
        """The next candle, fill or error, answering commands (with ``answer``) the moment
        they arrive; a "tick" after a heartbeat interval without any."""
        while True:
            while not ctx.commands.empty():
                await answer(ctx, ctx.commands.get_nowait())
            if not self.events.empty():
                return self.events.get_nowait()
            if ctx.stopping.is_set():
                return "tick", None
            event = asyncio.ensure_future(self.events.get())
            command = asyncio.ensure_future(ctx.commands.get())
            stop = asyncio.ensure_future(ctx.stopping.wait())
            try:
                await asyncio.wait({event, command, stop}, timeout=ctx.heartbeat_interval_s,
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in (event, command, stop):
                    if not waiter.done():  # an unfinished get takes nothing off its queue
                        waiter.cancel()
            if command.done() and not command.cancelled():
                await answer(ctx, command.result())
            if event.done() and not event.cancelled():
                return event.result()
            if not command.done() or command.cancelled():
                return "tick", None

    async def _pump_candles(self, leg: LiveLeg, source: AsyncIterator[Candle]) -> None:
        try:
            async for candle in source:
                self.put_candle(leg, candle)
        except Exception as exc:  # delivered to the loop, which fails the bot with it
            self.events.put_nowait(("error", exc))

    async def _pump_fills(self, source: AsyncIterator[Fill]) -> None:
        try:
            async for fill in source:
                self.events.put_nowait(("fill", fill))
        except Exception as exc:
            self.events.put_nowait(("error", exc))
