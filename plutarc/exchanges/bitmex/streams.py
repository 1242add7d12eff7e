"""Fan-out of parsed venue events to any number of async consumers.

Publishing is synchronous and O(subscribers), so the websocket reader never awaits a slow
consumer; each consumer drains its own queue. A fatal error (bad credentials) is delivered
to every consumer, which raises it from its ``async for``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

T = TypeVar("T")

_CLOSED = object()


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class Broadcast(Generic[T]):
    """Every item published reaches every current subscriber, in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queues: list[asyncio.Queue] = []
        self.published = 0

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    def publish(self, item: T) -> None:
        self.published += 1
        for queue in self._queues:
            queue.put_nowait(item)

    def fail(self, error: BaseException) -> None:
        for queue in self._queues:
            queue.put_nowait(_Failure(error))

    def close(self) -> None:
        for queue in self._queues:
            queue.put_nowait(_CLOSED)

    def subscribe(self) -> AsyncIterator[T]:
        """An iterator that sees items published from now on; registered immediately."""
        queue: asyncio.Queue = asyncio.Queue()
        self._queues.append(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue) -> AsyncIterator[T]:
        try:
            while True:
                item = await queue.get()
                if item is _CLOSED:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                yield item
        finally:
            if queue in self._queues:
                self._queues.remove(queue)
