"""REST front of the simulator: faults, authentication, rate limits, BitMEX error bodies.

Every answer carries the rate-limit headers. Errors are ``{"error": {"message", "name"}}``
with BitMEX's statuses: 400 parameters, 401 authentication, 403 ban, 404 unknown order, 429
rate limit (Retry-After), 503 overload. A ``timeout_after_accept`` fault runs the request
and then withholds the answer, which is the case an adapter must survive without resending.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from plutarc.clock import Clock
from plutarc.exchanges.bitmex_sim.auth import Authenticator, AuthFailure
from plutarc.exchanges.bitmex_sim.config import SimServerConfig
from plutarc.exchanges.bitmex_sim.exchange import SimExchange
from plutarc.exchanges.bitmex_sim.faults import Faults
from plutarc.exchanges.bitmex_sim.handlers import ROUTES
from plutarc.exchanges.bitmex_sim.params import ParamError, as_int, merge_params
from plutarc.exchanges.bitmex_sim.ratelimit import RateLimiter

PREFIX = "/api/v1"
OVERLOAD = "The system is currently overloaded. Please try again later."


def error_response(status: int, message: str, headers: dict[str, str] | None = None,
                   name: str = "HTTPError") -> web.Response:
    body = json.dumps({"error": {"message": message, "name": name}})
    return web.Response(status=status, text=body, content_type="application/json",
                        headers=headers or {})


def gateway_error(status: int) -> web.Response:
    """What a proxy in front of the engine answers (HTML, no rate-limit headers) after the
    engine took the request: the client cannot tell whether the order stands."""
    return web.Response(status=status, text=f"<html><body><h1>{status} Gateway error</h1>"
                        "</body></html>", content_type="text/html")


def stub_rows(count: int) -> list[dict[str, Any]]:
    """Cancel answers for ids BitMEX does not know: orderID and a rejection, nothing else
    (shape of the recorded CancelReject row, fact sheet section 9)."""
    return [{"orderID": str(uuid.uuid4()), "ordStatus": "Rejected",
             "ordRejReason": "Invalid orderID", "text": "Invalid orderID"}
            for _ in range(count)]


class RestFront:
    def __init__(self, config: SimServerConfig, exchange: SimExchange, auth: Authenticator,
                 faults: Faults, auth_clock: Clock,
                 cancel_all_after: Callable[[int], dict[str, Any]]) -> None:
        self.config = config
        self.exchange = exchange
        self.auth = auth
        self.faults = faults
        self.auth_clock = auth_clock
        self.limiter = RateLimiter(config.rate_limit_per_minute,
                                   config.rate_limit_unauth_per_minute,
                                   config.order_limit_per_second, config.ban_after_429s)
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status) log
        # the same requests with the auth clock's ms when answered and the clOrdID sent (if
        # any): how long apart two orders reached the venue, in wall time on a replay
        self.answered: list[tuple[int, str, str, int, str | None]] = []
        self._inflight: set[asyncio.Future] = set()
        self._routes = {(m, PREFIX + p): (h, private) for m, p, h, private in ROUTES}
        self._routes[("POST", PREFIX + "/order/cancelAllAfter")] = (
            lambda ex, params: cancel_all_after(as_int(params.get("timeout"), "timeout") or 0),
            True,
        )

    def add_routes(self, app: web.Application) -> None:
        for method, path in self._routes:
            app.router.add_route(method, path or "/", self.handle)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        # Like the venue, finish what was received even if the client gives up waiting:
        # the work is shielded from the client's disconnect.
        body = await request.read()
        work = asyncio.ensure_future(self._handle(request, body))
        self._inflight.add(work)
        work.add_done_callback(self._inflight.discard)
        response = await asyncio.shield(work)
        self.requests.append((request.method, request.path, response.status))
        self.answered.append((self.auth_clock.now_ms(), request.method, request.path,
                              response.status, _client_id(request, body)))
        return response

    async def close(self) -> None:
        for work in list(self._inflight):
            work.cancel()
        await asyncio.gather(*self._inflight, return_exceptions=True)

    async def _handle(self, request: web.Request, body: bytes) -> web.StreamResponse:
        method, path = request.method, request.path.rstrip("/") or request.path
        if path == PREFIX + "/":
            path = PREFIX
        delay = self.faults.take("delay", method, path, target="rest")
        if delay is not None:
            await asyncio.sleep(delay.ms / 1000)
        now_s = self.auth_clock.now_ms() / 1000
        handler, private = self._routes.get((method, path), (None, False))
        if handler is None:
            return error_response(404, "Not Found")
        key = None
        if private or request.headers.get("api-key"):
            try:
                key = self.auth.verify(
                    key=request.headers.get("api-key"),
                    expires=request.headers.get("api-expires"),
                    signature=request.headers.get("api-signature"),
                    verb=method, raw_path=request.raw_path, body=body, now_s=now_s)
            except AuthFailure as exc:
                # BitMEX sends its rate-limit headers on every answer, refusals included, and
                # (stricter reading) a refused request still costs the key's token
                named = request.headers.get("api-key") or ""
                known = named in self.config.api_keys
                verdict = self.limiter.check(named if known else (request.remote or "local"),
                                             known, method, path, now_s)
                return error_response(exc.status, exc.message, verdict.headers)
        verdict = self.limiter.check(key or (request.remote or "local"), key is not None,
                                     method, path, now_s)
        headers = verdict.headers
        if verdict.banned:
            return error_response(403, "Access Denied: banned for repeated rate-limit "
                                  "violations", headers)
        if not verdict.allowed:
            return error_response(429, f"Rate limit exceeded, retry in "
                                  f"{headers['Retry-After']} seconds.", headers, "RateLimitError")
        fault = self.faults.take("reject", method, path)
        if fault is not None:
            return self._reject(fault.status, fault.message, fault.name, fault.retry_after_s,
                                headers)
        try:
            params = merge_params(dict(request.query), body,
                                  request.headers.get("Content-Type", ""))
            result = handler(self.exchange, params)
        except ParamError as exc:
            return error_response(exc.status, exc.message, headers)
        if self.faults.take("drain_bucket", method, path) is not None:
            self.limiter.drain(key or (request.remote or "local"), key is not None, now_s)
        withhold = self.faults.take("timeout_after_accept", method, path)
        if withhold is not None:
            return await self._withhold(request, withhold.mode)
        gateway = self.faults.take("error_after_accept", method, path)
        if gateway is not None:
            return gateway_error(gateway.status if gateway.status >= 500 else 504)
        stubs = self.faults.take("stub_rows", method, path) if method == "DELETE" else None
        if stubs is not None and isinstance(result, list):
            result = [*result, *stub_rows(stubs.count_rows)]
        return web.Response(text=json.dumps(result), content_type="application/json",
                            headers=headers)

    def _reject(self, status: int, message: str, name: str, retry_after_s: int,
                headers: dict[str, str]) -> web.Response:
        if status == 429:
            headers = {**headers, "Retry-After": str(retry_after_s),
                       "x-ratelimit-remaining": "0"}
            return error_response(429, message or "Rate limit exceeded", headers,
                                  "RateLimitError")
        if status == 503:
            return error_response(503, message or OVERLOAD, headers)
        return error_response(status, message or "Injected failure", headers, name)

    async def _withhold(self, request: web.Request, mode: str) -> web.StreamResponse:
        """The request was executed; the answer never comes (hang) or the link drops."""
        if request.transport is not None and mode == "drop":
            request.transport.abort()
        else:
            await asyncio.sleep(self.config.hang_s)
        return web.Response(status=504, text="")


def _client_id(request: web.Request, body: bytes) -> str | None:
    try:
        params = merge_params(dict(request.query), body, request.headers.get("Content-Type", ""))
    except ParamError:
        return None
    value = params.get("clOrdID")
    return value if isinstance(value, str) else None
