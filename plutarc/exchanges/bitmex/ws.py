"""One BitMEX websocket: auth, subscriptions, ping/pong heartbeat, watchdog, reconnect.

Every (re)connect signs a fresh ``authKeyExpires``, re-sends every subscription and waits
for fresh partials (the owner's ``on_connect`` resets its tables and catches up over REST:
BitMEX has no session resumption and no sequence numbers, so a reconnect is the only way to
learn of a gap). A socket is replaced when a text ``ping`` gets no ``pong`` in time, or when
a watched topic has been silent longer than its limit: an open but silent socket is as
useless as a closed one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from plutarc.clock import Clock, WallClock
from plutarc.errors import AuthenticationError, VenueError
from plutarc.exchanges.bitmex.auth import Credentials
from plutarc.exchanges.bitmex.config import BitmexConfig

log = logging.getLogger("plutarc.exchanges.bitmex.ws")

FrameHandler = Callable[[dict[str, Any], int, int], None]  # frame, recv ms, rx perf ns


class SocketState(StrEnum):
    NEW = "new"
    CONNECTING = "connecting"
    LIVE = "live"
    BACKING_OFF = "backing_off"
    CLOSED = "closed"


class _Replace(Exception):
    """The socket must be dropped and opened again (heartbeat or watchdog)."""


class _AuthRetry(Exception):
    """Authentication was refused for a passing reason (429, 5xx, a signature expired by
    clock skew): reconnect with backoff and sign again; ``expired`` asks for a clock resync."""

    def __init__(self, message: str, expired: bool) -> None:
        super().__init__(message)
        self.expired = expired


def auth_refusal_is_final(status: object, error: str) -> bool:
    """Only a 401/403 about the key itself (invalid key, bad signature, disabled) is final;
    an expired signature is the clock's fault, and 429/5xx pass."""
    return status in (401, 403) and "expire" not in error.lower()


def topic_table(topic: str) -> str:
    return topic.split(":", 1)[0]


class BitmexSocket:
    """Keeps one subscription set alive until ``close``; frames go to ``on_frame``."""

    def __init__(
        self,
        name: str,
        config: BitmexConfig,
        topics: list[str],
        on_frame: FrameHandler,
        *,
        credentials: Credentials | None = None,
        clock: Clock | None = None,
        on_connect: Callable[[], None] | None = None,
        on_fatal: Callable[[VenueError], None] | None = None,
        on_auth_expired: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.name = name
        self._config = config
        self.topics = list(dict.fromkeys(topics))
        self._on_frame = on_frame
        self._credentials = credentials
        self._clock = clock or WallClock()
        self._on_connect = on_connect
        self._on_fatal = on_fatal
        self._on_auth_expired = on_auth_expired  # resync the clock before signing again
        self.state = SocketState.NEW
        self.connects = 0
        self.replacements: list[str] = []  # why each socket was replaced, newest last
        self.refused: list[str] = []  # subscriptions the venue refused, with its reason
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task | None = None
        self._last_rx = 0.0
        self._last_topic_rx: dict[str, float] = {}
        self._acked: set[str] = set()
        self._authed = asyncio.Event()
        self._live = asyncio.Event()
        self._replace_reason = ""
        self._was_live = False
        self._subscribed = False  # this connection's subscribe op went out
        self._awaiting: set[str] = set()  # tables whose partial has not arrived yet
        self._connected_at = 0.0

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        if self.state is SocketState.CLOSED:
            raise RuntimeError(f"websocket {self.name} is closed; make a new one")
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"bitmex-ws-{self.name}")

    @property
    def up(self) -> bool:
        return self.state is SocketState.LIVE

    @property
    def drops(self) -> int:
        return len(self.replacements)

    @property
    def last_drop(self) -> str:
        """Why the socket was last dropped or replaced ('' before the first time)."""
        return self.replacements[-1] if self.replacements else ""

    @property
    def acked_topics(self) -> frozenset[str]:
        return frozenset(self._acked)

    async def add_topics(self, topics: list[str]) -> None:
        """Subscribe to more topics now (once subscribed) and after every reconnect."""
        new = [t for t in topics if t not in self.topics]
        if not new:
            return
        self.topics.extend(new)
        ws = self._ws
        if ws is not None and self._subscribed:
            now = asyncio.get_running_loop().time()
            for topic in new:
                self._last_topic_rx.setdefault(topic_table(topic), now)
            with contextlib.suppress(WebSocketException):
                await ws.send(json.dumps({"op": "subscribe", "args": new}))

    async def wait_live(self, timeout_s: float) -> None:
        await asyncio.wait_for(self._live.wait(), timeout_s)

    async def close(self) -> None:
        self.state = SocketState.CLOSED
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    # connection loop ---------------------------------------------------------------------
    async def _run(self) -> None:
        delay = self._config.ws_reconnect_initial_s
        while self.state is not SocketState.CLOSED:
            self.state = SocketState.CONNECTING
            self._was_live = False
            try:
                await self._serve()
                reason = "closed by venue"
            except AuthenticationError as exc:
                self.state = SocketState.CLOSED
                if self._on_fatal is not None:
                    self._on_fatal(exc)
                return
            except _AuthRetry as exc:
                reason = str(exc)
                if exc.expired and self._on_auth_expired is not None:
                    try:
                        await self._on_auth_expired()
                    except Exception as resync_error:  # noqa: BLE001 - retried next connect
                        log.warning("BitMEX clock resync failed: %s", resync_error)
            except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # a dropped socket always comes back, whatever broke
                log.exception("BitMEX websocket %s failed", self.name)
                reason = f"{type(exc).__name__}: {exc}"
            reason, self._replace_reason = self._replace_reason or reason, ""
            self._live.clear()
            self._ws = None
            if self.state is SocketState.CLOSED:
                return
            if self._was_live:
                delay = self._config.ws_reconnect_initial_s
            self.replacements.append(reason)
            log.warning("BitMEX websocket %s dropped (%s); reconnecting in %.1fs",
                        self.name, reason, delay)
            self.state = SocketState.BACKING_OFF
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._config.ws_reconnect_max_s)

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        async with connect(
            self._config.ws_base,
            ping_interval=None,  # BitMEX heartbeats are text frames, handled below
            open_timeout=self._config.ws_open_timeout_s,
            close_timeout=1.0,
            max_size=None,
        ) as ws:
            self._ws = ws
            self._acked.clear()
            self._authed.clear()
            self._last_topic_rx.clear()
            self._subscribed = False
            self._awaiting = set()
            self._last_rx = self._connected_at = loop.time()
            self.connects += 1
            if self._on_connect is not None:
                self._on_connect()
            tasks = [asyncio.create_task(self._watch(ws)),
                     asyncio.create_task(self._handshake(ws))]
            try:
                await self._read(ws)
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task

    async def _handshake(self, ws: ClientConnection) -> None:
        if self._credentials is not None:
            expires = self._clock.now_ms() // 1000 + self._config.expires_window_s
            await ws.send(json.dumps(self._credentials.ws_auth_op(expires)))
            try:
                await asyncio.wait_for(self._authed.wait(), self._config.ws_open_timeout_s)
            except TimeoutError:
                await self._replace(ws, "authentication not acknowledged")
                return
        sent = list(self.topics)
        if sent:
            await ws.send(json.dumps({"op": "subscribe", "args": sent}))
        now = asyncio.get_running_loop().time()
        for topic in sent:
            self._last_topic_rx.setdefault(topic_table(topic), now)
        self._subscribed = True
        # live once every table has its partial: before that, deltas would be discarded
        self._awaiting |= {topic_table(t) for t in sent}
        if not self._awaiting:
            self._go_live()
        late = [t for t in self.topics if t not in sent]  # added while we were subscribing
        if late:
            await ws.send(json.dumps({"op": "subscribe", "args": late}))

    def _go_live(self) -> None:
        if not self._live.is_set():
            self.state = SocketState.LIVE
            self._was_live = True
            self._live.set()

    async def _read(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        async for message in ws:
            rx_ns = time.perf_counter_ns()
            now = loop.time()
            self._last_rx = now
            if message == "pong":
                continue
            recv_ms = self._clock.now_ms()
            frame = orjson.loads(message)  # ~5x json.loads on ~1 KB private frames
            table = frame.get("table")
            if table is not None:
                self._last_topic_rx[table] = now
                if self._awaiting and frame.get("action") == "partial":
                    self._awaiting.discard(table)
                    if not self._awaiting and self._subscribed:
                        self._go_live()
                try:
                    self._on_frame(frame, recv_ms, rx_ns)
                except Exception:  # one bad frame must not kill the connection loop
                    log.exception("BitMEX websocket %s: cannot handle a %s frame",
                                  self.name, table)
            else:
                self._control(frame)

    def _control(self, frame: dict[str, Any]) -> None:
        request = frame.get("request") or {}
        if frame.get("success"):
            if request.get("op") == "authKeyExpires":
                self._authed.set()
            elif "subscribe" in frame:
                self._acked.add(frame["subscribe"])
            return
        if "info" in frame:
            log.info("BitMEX websocket %s: %s (limit %s)", self.name, frame.get("info"),
                     frame.get("limit"))
            return
        error = frame.get("error")
        if error is None:
            return
        status = frame.get("status")
        if request.get("op") == "authKeyExpires":
            text = f"BitMEX websocket {self.name} authentication: {status} {error}"
            if auth_refusal_is_final(status, str(error)):
                raise AuthenticationError(text)
            raise _AuthRetry(text, expired="expire" in str(error).lower())
        if status in (401, 403):
            raise AuthenticationError(f"BitMEX websocket {self.name}: {status} {error}")
        log.error("BitMEX websocket %s error %s: %s (request %s)", self.name, status, error,
                  request.get("op"))
        if request.get("op") == "subscribe":
            self._drop_refused(str(error))

    def _drop_refused(self, error: str) -> None:
        """A refused subscription is dropped (loudly), so the other topics can go live and a
        reconnect does not ask for it again."""
        refused = [t for t in self.topics
                   if t in error or topic_table(t) in error or t.partition(":")[2] in error]
        for topic in refused:
            self.topics.remove(topic)
            self.refused.append(f"{topic}: {error}")
        remaining = {topic_table(t) for t in self.topics}
        self._awaiting &= remaining
        if refused and not self._awaiting and self._subscribed:
            self._go_live()

    async def _watch(self, ws: ClientConnection) -> None:
        """Heartbeat and per-topic silence watchdog."""
        config = self._config
        loop = asyncio.get_running_loop()
        ping_sent_at: float | None = None
        while True:
            await asyncio.sleep(min(config.watchdog_check_s, config.ws_ping_idle_s))
            now = loop.time()
            if ping_sent_at is not None and self._last_rx >= ping_sent_at:
                ping_sent_at = None
            if ping_sent_at is not None and now - ping_sent_at > config.ws_pong_timeout_s:
                await self._replace(ws, f"no pong within {config.ws_pong_timeout_s:g}s")
                return
            if ping_sent_at is None and now - self._last_rx >= config.ws_ping_idle_s:
                ping_sent_at = now
                with contextlib.suppress(WebSocketException):
                    await ws.send("ping")
            if not self._live.is_set():
                if now - self._connected_at > config.ws_open_timeout_s:
                    waiting = ", ".join(sorted(self._awaiting)) or "authentication"
                    await self._replace(ws, f"not ready within {config.ws_open_timeout_s:g}s "
                                            f"(waiting for {waiting})")
                    return
                continue
            for table, seen in self._last_topic_rx.items():
                limit = config.watchdog_max_age_s.get(table)
                if limit is not None and now - seen > limit:
                    await self._replace(ws, f"{table} silent for {now - seen:.1f}s")
                    return

    async def _replace(self, ws: ClientConnection, reason: str) -> None:
        self._replace_reason = reason
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(code=4000, reason="replaced"), 1.0)
        ws.transport.abort()
