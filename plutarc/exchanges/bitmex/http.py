"""BitMEX REST client: signed aiohttp requests, rate-limit pacing, retries for idempotent calls.

The query string and body are built once and sent byte for byte as signed. Only idempotent
requests are retried (GETs, cancels, cancelAllAfter, leverage settings); anything else
raises at the first failure, and a placement that times out surfaces as
``RequestOutcomeUnknown`` so the adapter looks the order up instead of resending it. The one
exception: a PRIORITY request (a stop, a cancel, a Close) refused with 429 is sent again at
the bucket's next token, up to PRIORITY_RESENDS times; a 429 is refused before the engine,
so the resend cannot duplicate it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
from yarl import URL

from plutarc.clock import Clock, WallClock
from plutarc.errors import (
    AuthenticationError,
    DataError,
    RateLimited,
    TemporaryError,
    VenueUnavailable,
)
from plutarc.exchanges.bitmex.auth import Credentials
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.errors import (
    RequestOutcomeUnknown,
    SignatureExpired,
    error_from_response,
)
from plutarc.exchanges.bitmex.ratelimit import Lane, RateLimitState
from plutarc.exchanges.bitmex.skew import SAMPLES, VenueClock, median_offset, server_ms

log = logging.getLogger("plutarc.exchanges.bitmex.http")

# routes under BitMEX's second (per-second) rate-limit layer
_ORDER_ROUTES = frozenset({("POST", "/order"), ("PUT", "/order"), ("DELETE", "/order"),
                           ("DELETE", "/order/all"), ("POST", "/order/bulk"),
                           ("PUT", "/order/bulk"), ("POST", "/position/leverage"),
                           ("POST", "/position/isolate"), ("POST", "/position/transferMargin")})
_MAX_PACING_ROUNDS = 50  # re-check after each pause: another request may have spent the token
PRIORITY_RESENDS = 2  # a 429'd stop or cancel goes again at the next token (< 1 s at 120/min)


def encode_query(params: dict[str, Any] | None) -> str:
    """BitMEX query string: JSON for filter/columns, lowercase booleans, None dropped."""
    if not params:
        return ""
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, dict | list):
            value = json.dumps(value, separators=(",", ":"))
        pairs.append((key, value))
    return urlencode(pairs)


def encode_body(body: dict[str, Any] | None) -> bytes:
    """Compact JSON: the exact bytes that are signed and sent."""
    if body is None:
        return b""
    return json.dumps(body, separators=(",", ":")).encode()


class BitmexHttp:
    """One REST session to BitMEX (or the local simulator)."""

    def __init__(
        self,
        config: BitmexConfig,
        credentials: Credentials | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._config = config
        self._credentials = credentials
        # venue time: the local clock plus the measured offset (skew.py); signatures and
        # the rate-limit maths use it
        self.clock = clock if isinstance(clock, VenueClock) else VenueClock(clock or WallClock())
        self._clock = self.clock
        self.last_headers: Mapping[str, str] = {}
        self._base = config.rest_base
        self._prefix = urlsplit(self._base).path.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self.rate_limit = RateLimitState()  # the API key's buckets (signed requests)
        self.public_rate_limit = RateLimitState()  # the address's bucket (unsigned requests)
        self.requests_sent = 0

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _now_s(self) -> float:
        return self._clock.now_ms() / 1000

    def _session_open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def request(
        self,
        verb: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        signed: bool = False,
        idempotent: bool | None = None,
        timeout_s: float | None = None,
        lane: Lane = Lane.NORMAL,
    ) -> Any:
        """Send ``verb path`` and return the decoded JSON; raise our error tree otherwise.
        ``lane`` PRIORITY (cancels, Close, protective stops) never waits behind entries."""
        verb = verb.upper()
        retry = (verb == "GET") if idempotent is None else idempotent
        attempts = 1 + (self._config.max_retries if retry else 0)
        delay = self._config.backoff_initial_s
        attempt = resends = 0
        while True:
            try:
                return await self._send_synced(verb, path, params, body, signed, timeout_s,
                                               lane)
            except TemporaryError as exc:
                if (isinstance(exc, RateLimited) and lane is Lane.PRIORITY
                        and resends < PRIORITY_RESENDS):
                    resends += 1  # _pace waits for the next token, not for Retry-After
                    log.warning("BitMEX %s %s: %s; sent again at the next token (%d of %d)",
                                verb, path, exc, resends, PRIORITY_RESENDS)
                    continue
                attempt += 1
                if attempt >= attempts:
                    raise
                pause = max(delay, getattr(exc, "retry_after_s", 0.0))
                log.info("BitMEX %s %s failed (%s); retry %d in %.2fs", verb, path, exc,
                         attempt, pause)
                await asyncio.sleep(min(pause, self._config.backoff_max_s))
                delay = min(delay * 2, self._config.backoff_max_s)

    async def _send_synced(
        self,
        verb: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        signed: bool,
        timeout_s: float | None,
        lane: Lane,
    ) -> Any:
        """``_send_once``; a signature expired by clock skew resyncs the clock and is sent
        once more (BitMEX refused it before the engine: resending cannot duplicate)."""
        try:
            return await self._send_once(verb, path, params, body, signed, timeout_s, lane)
        except SignatureExpired as exc:
            log.warning("BitMEX %s %s: %s; resyncing the clock and retrying once", verb, path,
                        exc)
            await self.sync_clock(hint_s=exc.server_s)
        try:
            return await self._send_once(verb, path, params, body, signed, timeout_s, lane)
        except SignatureExpired as exc:
            raise AuthenticationError(
                f"{exc} - still expired after resyncing to the venue's clock "
                f"(offset {self.clock.offset_ms / 1000:+.1f} s)") from None

    async def sync_clock(self, samples: int = SAMPLES, hint_s: int | None = None) -> float:
        """Measure the venue clock's offset (median of ``samples`` round trips of GET /) and
        use it; the offset in ms. ``hint_s`` (the venue's "Current time" from an expired
        answer) is used when no sample carries a time."""
        local = self.clock.local
        found: list[tuple[float, float, float]] = []
        for _ in range(samples):
            sent = local.now_ms()
            answer = await self._send_once("GET", "", None, None, False, None, Lane.PRIORITY)
            received = local.now_ms()
            server = server_ms(answer, self.last_headers.get("Date"))
            if server is not None:
                found.append((sent, server, received))
        if found:
            self.clock.set_offset(median_offset(found))
        elif hint_s is not None:
            self.clock.set_offset(hint_s * 1000 + 500 - local.now_ms())
        else:
            raise DataError("BitMEX GET / carried no server time; clock offset unchanged")
        log.info("BitMEX clock offset %+.0f ms (venue minus this host)", self.clock.offset_ms)
        return self.clock.offset_ms

    async def _send_once(
        self,
        verb: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        signed: bool,
        timeout_s: float | None,
        lane: Lane = Lane.NORMAL,
    ) -> Any:
        state = self.rate_limit if signed else self.public_rate_limit
        await self._pace(state, verb, path, lane)
        query = encode_query(params)
        target = f"{path}?{query}" if query else path
        raw_body = encode_body(body) if verb != "GET" else b""
        headers = {"Accept": "application/json"}
        if raw_body:
            headers["Content-Type"] = "application/json"
        if signed:
            if self._credentials is None:
                raise DataError(f"BitMEX {verb} {path} needs API credentials")
            expires = int(self._now_s()) + self._config.expires_window_s
            headers.update(
                self._credentials.rest_headers(verb, self._prefix + target, raw_body, expires)
            )
        url = URL(self._base + target, encoded=True)
        timeout = aiohttp.ClientTimeout(total=timeout_s or self._config.request_timeout_s)
        self.requests_sent += 1
        try:
            async with self._session_open().request(
                verb, url, data=raw_body or None, headers=headers, timeout=timeout
            ) as resp:
                payload = await resp.read()
                status, resp_headers = resp.status, resp.headers
                self.last_headers = resp_headers
        except aiohttp.ClientConnectorError as exc:
            raise VenueUnavailable(f"BitMEX {verb} {path}: cannot connect ({exc})") from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RequestOutcomeUnknown(
                f"BitMEX {verb} {path}: no answer ({type(exc).__name__})"
            ) from None
        state.update(resp_headers, self._now_s())
        if status >= 400:
            error = error_from_response(
                status, payload, resp_headers, verb=verb, path=path, now_s=self._now_s()
            )
            if isinstance(error, RateLimited):
                state.rate_limited(self._now_s(), error.retry_after_s)
            elif status == 503:  # entries pause; cancels and stops do not
                state.overloaded(self._now_s() + self._config.overload_backoff_s)
                error = _with_retry_after(error, self._config.overload_backoff_s)
            raise error
        try:
            return json.loads(payload)
        except ValueError:
            raise DataError(f"BitMEX {verb} {path}: answer is not JSON") from None


    async def _pace(self, state: RateLimitState, verb: str, path: str, lane: Lane) -> None:
        """Wait for a token of ``lane`` (the next refill, never the full-bucket reset), then
        count it as spent so concurrent requests see it gone."""
        order_route = (verb, path) in _ORDER_ROUTES
        reserve = self._config.rate_limit_reserve
        for _ in range(_MAX_PACING_ROUNDS):
            wait = state.wait_s(self._now_s(), reserve, lane, order_route)
            if wait <= 0:
                break
            await asyncio.sleep(min(wait, self._config.backoff_max_s))
        state.spend(self._now_s(), order_route)


def _with_retry_after(error: Exception, seconds: float) -> Exception:
    error.retry_after_s = seconds  # type: ignore[attr-defined]
    return error
