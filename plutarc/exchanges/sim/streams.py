"""Fan-out async streams: each subscriber gets its own queue; closing the venue ends them all."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")
_END = object()


class Stream(Generic[T]):
    """An async iterator over items published after it was created (none are missed between
    creation and the first ``await``)."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._ended = False

    def publish(self, item: T) -> None:
        if not self._ended:
            self._queue.put_nowait(item)

    def end(self) -> None:
        if not self._ended:
            self._ended = True
            self._queue.put_nowait(_END)

    def __aiter__(self) -> Stream[T]:
        return self

    async def __anext__(self) -> T:
        item = await self._queue.get()
        if item is _END:
            raise StopAsyncIteration
        return item  # type: ignore[return-value]


class Hub(Generic[T]):
    """Subscribers of one kind of item."""

    def __init__(self) -> None:
        self._streams: list[Stream[T]] = []

    def subscribe(self) -> Stream[T]:
        stream: Stream[T] = Stream()
        self._streams.append(stream)
        return stream

    def publish(self, item: T) -> None:
        for stream in self._streams:
            stream.publish(item)

    def end(self) -> None:
        for stream in self._streams:
            stream.end()

    def __bool__(self) -> bool:
        return bool(self._streams)
