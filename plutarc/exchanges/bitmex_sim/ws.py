"""The simulator's /realtime websocket: BitMEX's ops, acks, partials and table deltas.

Per connection: a welcome frame; ``subscribe``/``unsubscribe`` acked once per topic, each
followed by a ``partial`` (keys, filter, full image) before any delta; ``authKeyExpires``
signed over GET/realtime; private tables refused before auth (status 401); text ``ping`` ->
``pong``; ``cancelAllAfter``. Frames leave through one queue per connection, which is where
the websocket faults (delay, duplicate, reorder, silence) act.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from plutarc.clock import Clock
from plutarc.exchanges.bitmex.timestamps import ms_to_iso
from plutarc.exchanges.bitmex_sim.auth import Authenticator, AuthFailure
from plutarc.exchanges.bitmex_sim.exchange import SimExchange
from plutarc.exchanges.bitmex_sim.faults import Faults
from plutarc.exchanges.bitmex_sim.snapshots import PRIVATE_TABLES, partial_frame

ALL_TABLES = PRIVATE_TABLES | {
    "instrument", "quote", "trade", "funding", "tradeBin1m", "tradeBin5m", "tradeBin1h",
    "tradeBin1d",
}


class Session:
    def __init__(self, ws: web.WebSocketResponse, transport: Any) -> None:
        self.ws = ws
        self.transport = transport
        self.key: str | None = None
        self.topics: set[str] = set()
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.sender: asyncio.Task | None = None

    def wants(self, table: str, symbol: str | None) -> bool:
        return table in self.topics or (symbol is not None and f"{table}:{symbol}" in self.topics)


class WsHub:
    def __init__(self, exchange: SimExchange, auth: Authenticator, faults: Faults,
                 auth_clock: Clock, cancel_all_after: Callable[[int], dict[str, Any]]) -> None:
        self.exchange = exchange
        self.auth = auth
        self.faults = faults
        self.auth_clock = auth_clock
        self.cancel_all_after = cancel_all_after
        self.sessions: list[Session] = []
        self.connections = 0
        exchange.listeners.append(self.publish)

    # fan-out -----------------------------------------------------------------------------
    def publish(self, table: str, action: str, rows: list[dict[str, Any]]) -> None:
        if rows and action == "insert" and self.faults.armed:
            foreign = self.faults.take("foreign_row", table=table)
            if foreign is not None:
                rows = [*rows, foreign_row(table, rows[0], foreign.symbol, foreign.value)]
        private = table in PRIVATE_TABLES
        for session in self.sessions:
            if private and session.key is None:
                continue
            picked = [r for r in rows if session.wants(table, r.get("symbol"))]
            if picked:
                session.queue.put_nowait(
                    json.dumps({"table": table, "action": action, "data": picked})
                )

    def drop_all(self) -> int:
        dropped = len(self.sessions)
        for session in list(self.sessions):
            session.transport.abort()
        return dropped

    # connection --------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        session = Session(ws, request.transport)
        self.sessions.append(session)
        self.connections += 1
        session.sender = asyncio.create_task(self._send_loop(session))
        session.queue.put_nowait(json.dumps({
            "info": "Welcome to the BitMEX Realtime API.",
            "version": "plutarc-sim",
            "timestamp": ms_to_iso(self.exchange.now_ms),
            "docs": "https://www.bitmex.com/app/wsAPI",
            "heartbeatEnabled": False,
            "limit": {"remaining": 40},
        }))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if msg.data == "ping":
                    if not (self.faults.silent(asyncio.get_running_loop().time())
                            and self.faults.silence_pongs):
                        session.queue.put_nowait("pong")
                    continue
                self._command(session, msg.data)
        finally:
            if session in self.sessions:
                self.sessions.remove(session)
            if session.sender is not None:
                session.sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await session.sender
        return ws

    async def _send_loop(self, session: Session) -> None:
        loop = asyncio.get_running_loop()
        held: str | None = None
        while True:
            text = await session.queue.get()
            is_data = text.startswith('{"table"')
            if is_data and self.faults.silent(loop.time()):
                continue
            out = [text]
            if is_data:
                delay = self.faults.take("delay", target="ws")
                if delay is not None:
                    await asyncio.sleep(delay.ms / 1000)
                table = _table_of(text) if self.faults.armed else ""
                if self.faults.take("duplicate", table=table) is not None:
                    out = [text, text]
                if held is None and self.faults.take("reorder", table=table) is not None:
                    held = text
                    continue
                if held is not None:
                    out, held = [*out, held], None
            for frame in out:
                if session.ws.closed:
                    return
                await session.ws.send_str(frame)

    # commands ----------------------------------------------------------------------------
    def _send(self, session: Session, payload: dict[str, Any]) -> None:
        session.queue.put_nowait(json.dumps(payload))

    def _error(self, session: Session, status: int, error: str, request: Any) -> None:
        self._send(session, {"status": status, "error": error, "meta": {}, "request": request})

    def _command(self, session: Session, text: str) -> None:
        try:
            request = json.loads(text)
            op = request["op"]
        except (ValueError, KeyError, TypeError):
            self._error(session, 400, "Unable to parse request.", text[:200])
            return
        args = request.get("args")
        args = args if isinstance(args, list) or args is None else [args]
        if op == "authKeyExpires":
            refused = self.faults.take("ws_auth_error")
            if refused is not None:  # a transient refusal (overload, rate limit), not a bad key
                self._error(session, refused.status, refused.message or (
                    "Rate limit exceeded" if refused.status == 429
                    else "The system is currently overloaded. Please try again later."),
                    request)
                return
            try:
                session.key = self.auth.verify_ws(
                    args or [], self.auth_clock.now_ms() / 1000)
            except AuthFailure as exc:
                self._error(session, 401, exc.message, request)
                return
            self._send(session, {"success": True, "request": request})
        elif op in ("subscribe", "unsubscribe"):
            for topic in args or []:
                self._topic(session, op, str(topic), request)
        elif op == "cancelAllAfter":
            if session.key is None:
                self._error(session, 401, "Not authenticated.", request)
                return
            reply = self.cancel_all_after(int((args or [0])[0]))
            self._send(session, {**reply, "request": request})
        else:
            self._error(session, 400, f"Unknown or unsupported op: {op}", request)

    def _topic(self, session: Session, op: str, topic: str, request: Any) -> None:
        table, _, symbol = topic.partition(":")
        if table not in ALL_TABLES:
            self._send(session, {"success": False, "error": f"Unknown table: {table}",
                                 "request": request})
            return
        if symbol and symbol not in self.exchange.instrument_rows:
            self._send(session, {"success": False, "error": f"Unknown symbol: {symbol}",
                                 "request": request})
            return
        if table in PRIVATE_TABLES and session.key is None:
            self._error(session, 401, "You are not authorized to subscribe to this topic: "
                        f"{topic}", request)
            return
        if op == "unsubscribe":
            session.topics.discard(topic)
            self._send(session, {"success": True, "unsubscribe": topic, "request": request})
            return
        session.topics.add(topic)
        self._send(session, {"success": True, "subscribe": topic, "request": request})
        session.queue.put_nowait(json.dumps(partial_frame(self.exchange, table, symbol or None)))


def foreign_row(table: str, row: dict[str, Any], symbol: str, value: str) -> dict[str, Any]:
    """A copy of ``row`` as another owner's (a hand-placed order on another symbol) carrying a
    value no client knows yet: what a new BitMEX release may send at any time."""
    field = "execType" if table == "execution" else "ordStatus"
    if not symbol:  # the owner's own order, with the unknown value (a fresh execution id)
        return {**row, "execID": str(uuid.uuid4()), field: value}
    return {**row, "symbol": symbol, "clOrdID": "", "orderID": str(uuid.uuid4()),
            "execID": str(uuid.uuid4()), field: value}


_TABLE = re.compile(r'^\{"table": ?"(\w+)"')


def _table_of(text: str) -> str:
    """The table of a data frame (our frames are dumped with the table first)."""
    found = _TABLE.match(text)
    return found.group(1) if found else ""
