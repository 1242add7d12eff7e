"""GET /v1/stream: every event as it happens, over a WebSocket, optionally filtered.

Frames are JSON objects discriminated by ``type``: one ``hello`` (with the last stored
event id), then ``event`` frames; ``error`` before the daemon closes the stream (bad
query, or the client fell too far behind). With ``after_id`` the stored events after that
id are replayed first, with no gap and no duplicate before the live ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref

from aiohttp import WSCloseCode, WSMsgType, web

from plutarc.access.guard import ACCESS, IDENTITY
from plutarc.daemon.api import schemas as s
from plutarc.daemon.api.http import parse_query
from plutarc.daemon.api.routes import SERVICE
from plutarc.daemon.events import Subscription
from plutarc.daemon.store import EventRecord
from plutarc.errors import PlutarcError

WEBSOCKETS = web.AppKey("websockets", set)
# who opened each stream (the audit log's name): revoking a token closes its streams at once
_CALLERS: weakref.WeakKeyDictionary[web.WebSocketResponse, str] = weakref.WeakKeyDictionary()
REPLAY_PAGE = 500


async def _send(ws: web.WebSocketResponse, frame: s.ApiModel) -> None:
    await ws.send_str(frame.model_dump_json())


async def _replay(ws: web.WebSocketResponse, request: web.Request, query: s.StreamQuery,
                  bot_id: str | None, after_id: int, until_id: int) -> int:
    svc = request.app[SERVICE]
    last = after_id
    while last < until_id:
        page = svc.store.events.query(bot_id=bot_id, kinds=query.kind, after_id=last,
                                      limit=REPLAY_PAGE)
        page = [e for e in page if e.id <= until_id]
        if not page:
            break
        for record in page:
            await _send(ws, s.EventFrame(event=record))
        last = page[-1].id
    return until_id


async def _forward(ws: web.WebSocketResponse, sub: Subscription, sent_up_to: int) -> None:
    while True:
        getter = asyncio.ensure_future(sub.queue.get())
        overflow = asyncio.ensure_future(sub.overflowed.wait())
        done, _ = await asyncio.wait({getter, overflow}, return_when=asyncio.FIRST_COMPLETED)
        overflow.cancel()
        if getter not in done:
            getter.cancel()
            await _send(ws, s.ErrorFrame(error=s.ErrorBody(
                type="overflow", message="this stream fell too far behind and was cut off: "
                f"reconnect with after_id={sent_up_to} to catch up")))
            return
        record: EventRecord = getter.result()
        if record.id > sent_up_to:
            await _send(ws, s.EventFrame(event=record))
            sent_up_to = record.id


async def _drain_client(ws: web.WebSocketResponse) -> None:
    """Read (and ignore) what the client sends, so a close from its side is noticed."""
    async for msg in ws:
        if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
            break


async def stream(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=30.0)
    await ws.prepare(request)
    svc = request.app[SERVICE]
    try:
        query = parse_query(request, s.StreamQuery)
        bot_id = svc.get_bot(query.bot).id if query.bot else None
    except PlutarcError as exc:
        await _send(ws, s.ErrorFrame(error=s.ErrorBody(type="bad_request", message=str(exc))))
        await ws.close()
        return ws
    # Subscribe before reading the last id: an event between the two is then not lost.
    sub = svc.sink.bus.subscribe(query.kind, bot_id)
    request.app[WEBSOCKETS].add(ws)
    identity = request.get(IDENTITY)
    if identity is not None:
        _CALLERS[ws] = identity.name
    expiry = _close_at_expiry(request, ws)
    try:
        last_id = svc.store.events.last_id()
        await _send(ws, s.HelloFrame(last_event_id=last_id))
        sent = last_id
        if query.after_id is not None:
            sent = await _replay(ws, request, query, bot_id, query.after_id, last_id)
        forward = asyncio.ensure_future(_forward(ws, sub, sent))
        reader = asyncio.ensure_future(_drain_client(ws))
        await asyncio.wait({forward, reader}, return_when=asyncio.FIRST_COMPLETED)
        for task in (forward, reader):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await task
    finally:
        if expiry is not None:
            expiry.cancel()
        svc.sink.bus.unsubscribe(sub)
        request.app[WEBSOCKETS].discard(ws)
        await ws.close()
    return ws


async def close_streams_of(app: web.Application, who: str, reason: str) -> int:
    """Close every open stream of caller ``who`` (e.g. a token just revoked), saying why
    in an error frame first; how many were closed."""
    closing = [ws for ws in list(app[WEBSOCKETS]) if _CALLERS.get(ws) == who]
    for ws in closing:
        app[WEBSOCKETS].discard(ws)
        await _close(ws, reason)
    return len(closing)


def _close_at_expiry(request: web.Request, ws: web.WebSocketResponse) -> asyncio.TimerHandle | None:
    """A stream opened with a token that expires is closed when it does."""
    identity, access = request.get(IDENTITY), request.app.get(ACCESS)
    if identity is None or access is None or identity.via != "token":
        return None
    name = identity.name.removeprefix("token:")
    expires_ms = access.tokens.expires_ms(name)
    if expires_ms is None:
        return None
    loop = asyncio.get_running_loop()
    delay_s = max(0.0, (expires_ms - access.clock.now_ms()) / 1000)

    def close() -> None:
        request.app[WEBSOCKETS].discard(ws)
        loop.create_task(_close(ws, f"token {name!r} has expired"))

    return loop.call_later(delay_s, close)


async def _close(ws: web.WebSocketResponse, reason: str) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError):
        await _send(ws, s.ErrorFrame(error=s.ErrorBody(type="unauthenticated", message=reason)))
    with contextlib.suppress(ConnectionError):
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=reason.encode()[:120])
