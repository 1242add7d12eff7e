"""The daemon client's connection: one aiohttp session over the daemon's Unix socket,
answers decoded into our models and error classes, and the event stream's websocket.

DaemonClient (client.py) holds one and names the endpoints; this module knows HTTP.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError

from plutarc.daemon.api import schemas as s
from plutarc.daemon.api.protocol import API_HEADER, PROTOCOL_VERSION
from plutarc.daemon.errors import ApiVersionMismatch, error_class
from plutarc.daemon.store import EventRecord
from plutarc.errors import DaemonNotRunning, OperationTimeout, PlutarcError

R = TypeVar("R", bound=BaseModel)
BASE = "http://plutarc"  # the host is ignored on a Unix socket


def query(**values: Any) -> list[tuple[str, str]]:
    """Query pairs without the Nones; sequences repeat the key."""
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        if value is None or value is False or value == ():
            continue
        items = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, str(v).lower() if isinstance(v, bool) else str(v)) for v in items)
    return pairs


class DaemonTransport:
    def __init__(self, socket_path: Path, timeout_s: float = 10.0,
                 api_version: int = PROTOCOL_VERSION, token: str | None = None) -> None:
        """``token``: an access token (the CLI and TUI pass $PLUTARC_TOKEN); None = Unix user."""
        self.socket_path = socket_path
        self.timeout_s = timeout_s
        self.api_version = api_version
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=str(self.socket_path)),
                headers={API_HEADER: str(self.api_version),
                         **({"Authorization": f"Bearer {self._token}"} if self._token else {})},
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            )
        return self._session

    def not_running(self) -> DaemonNotRunning:
        return DaemonNotRunning(
            f"no daemon is running at {self.socket_path}: start it with 'plutarc daemon start'"
        )

    async def request(self, method: str, path: str, model: type[R], *,
                      params: Sequence[tuple[str, str]] = (), body: Any = None) -> R:
        try:
            async with self.session().request(method, BASE + path, params=list(params),
                                              json=body) as resp:
                text = await resp.text()
                status = resp.status
        except aiohttp.ClientConnectorError as exc:
            raise self.not_running() from exc
        except TimeoutError as exc:
            raise OperationTimeout(
                f"the daemon did not answer {method} {path} within {self.timeout_s:g} s"
            ) from exc
        except aiohttp.ClientError as exc:
            raise DaemonNotRunning(f"lost the daemon at {self.socket_path}: {exc}") from exc
        return decode(text, status, model)

    async def events(self, params: Sequence[tuple[str, str]]) -> AsyncIterator[EventRecord]:
        """The event stream's frames as events, until closed; an error frame raises."""
        q = list(params)
        try:
            ws = await self.session().ws_connect(BASE + "/v1/stream", params=q,
                                                 timeout=aiohttp.ClientWSTimeout(ws_close=2.0))
        except aiohttp.ClientConnectorError as exc:
            raise self.not_running() from exc
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status in (401, 403):
                raise error_class("unauthenticated" if exc.status == 401 else
                                  "permission_denied")(
                    f"the daemon refused the event stream (HTTP {exc.status}): check "
                    "PLUTARC_TOKEN ('plutarc access whoami' says who you are)") from exc
            if exc.status == 409:
                raise ApiVersionMismatch(
                    f"the daemon refused the event stream for API {self.api_version} (HTTP "
                    "409): 'plutarc daemon status' shows the API version it speaks"
                ) from exc
            raise PlutarcError(f"the daemon refused the event stream: HTTP {exc.status} "
                               f"{exc.message}") from exc
        async with ws:
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    break
                frame = json.loads(msg.data)
                if frame.get("type") == "event":
                    yield s.EventFrame.model_validate(frame).event
                elif frame.get("type") == "error":
                    err = s.ErrorFrame.model_validate(frame).error
                    raise error_class(err.type)(err.message)


def decode(text: str, status: int, model: type[R]) -> R:
    try:
        if status >= 400:
            err = s.ErrorResponse.model_validate_json(text).error
            raise error_class(err.type)(err.message)
        return model.model_validate_json(text)
    except (ValidationError, json.JSONDecodeError) as exc:
        raise PlutarcError(f"unexpected answer from the daemon (HTTP {status}): "
                           f"{text[:200]!r}") from exc



async def wait_until_answering(socket_path: Path, timeout_s: float,
                               alive: Callable[[], bool] | None = None) -> s.StatusResponse:
    """Poll the socket until the daemon answers; ``alive()`` returning False aborts early."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    transport = DaemonTransport(socket_path, timeout_s=1.0)
    try:
        while True:
            try:
                return await transport.request("GET", "/v1/status", s.StatusResponse)
            except (DaemonNotRunning, OperationTimeout):
                if alive is not None and not alive():
                    raise
                if loop.time() >= deadline:
                    raise OperationTimeout(
                        f"the daemon did not answer on {socket_path} within {timeout_s:g} s"
                    ) from None
                await asyncio.sleep(0.05)
    finally:
        await transport.close()
