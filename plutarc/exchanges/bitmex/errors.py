"""BitMEX HTTP status + error body -> the plutarc error tree (plutarc/errors.py).

    400 insufficient balance        -> InsufficientFunds
    400/401 expired api-expires     -> SignatureExpired (an AuthenticationError): the client
                                       resyncs its clock and retries once before it is final
    400 Duplicate clOrdID           -> DuplicateClientOrderId (an OrderRejected)
    400 other, order/position calls -> OrderRejected; other calls -> FinalVenueError
    401 / 403                       -> AuthenticationError (bad key, signature, ban)
    404 order calls                 -> OrderRejected; other calls -> FinalVenueError
    429                             -> RateLimited(retry_after_s from Retry-After / reset)
    503 "overloaded" (load shedding) -> VenueUnavailable: BitMEX did not execute it
    other 5xx on POST/PUT order calls -> RequestOutcomeUnknown: a gateway (502, 504, 52x) may
                                       answer after the engine took the order; look it up
    other 5xx                       -> VenueUnavailable
Error texts carry the venue's message and name, never a header or a secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from plutarc.errors import (
    AuthenticationError,
    FinalVenueError,
    InsufficientFunds,
    OrderRejected,
    RateLimited,
    VenueError,
    VenueUnavailable,
)


class DuplicateClientOrderId(OrderRejected):
    """BitMEX already holds an order with this clOrdID: an earlier attempt did arrive."""


class SignatureExpired(AuthenticationError):
    """api-expires was in the past by the venue's clock: our clock is off, the request was
    refused before the engine saw it (safe to sign again and resend once)."""

    def __init__(self, message: str, server_s: int | None = None) -> None:
        super().__init__(message)
        self.server_s = server_s  # "Current time: N" from the answer, when it says


def _current_time_s(message: str) -> int | None:
    found = re.search(r"current time:\s*(\d+)", message, re.IGNORECASE)
    return int(found.group(1)) if found else None


class RequestOutcomeUnknown(VenueUnavailable):
    """The request may have reached BitMEX but no answer came back (timeout, dropped link)."""


def error_text(body: bytes | str) -> tuple[str, str]:
    """(message, name) from a BitMEX error body, tolerating non-JSON bodies."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    try:
        payload = json.loads(text)
        error = payload["error"]
        if isinstance(error, dict):
            return str(error.get("message") or ""), str(error.get("name") or "")
        return str(error), ""
    except (ValueError, KeyError, TypeError):
        return text.strip()[:200], ""


def retry_after_s(headers: Mapping[str, str], now_s: float, default_s: float = 1.0) -> float:
    """How long BitMEX asks us to wait: Retry-After seconds, else until x-ratelimit-reset."""
    retry = headers.get("Retry-After") or headers.get("retry-after")
    if retry:
        try:
            return max(0.0, float(retry))
        except ValueError:
            pass
    reset = headers.get("x-ratelimit-reset") or headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - now_s)
        except ValueError:
            pass
    return default_s


def _is_order_call(verb: str, path: str) -> bool:
    return verb != "GET" and (path.startswith("/order") or path.startswith("/position"))


def error_from_response(
    status: int,
    body: bytes | str,
    headers: Mapping[str, str],
    *,
    verb: str,
    path: str,
    now_s: float,
) -> VenueError:
    """The error to raise for a non-2xx BitMEX answer to ``verb path`` (path without query)."""
    message, name = error_text(body)
    where = f"BitMEX {verb} {path}: HTTP {status}" + (f" {name}" if name else "")
    text = f"{where}: {message}" if message else where
    lowered = message.lower()
    order_call = _is_order_call(verb, path)
    if status == 400:
        if "insufficient" in lowered:
            return InsufficientFunds(text)
        if "expired" in lowered or "expires" in lowered:
            return SignatureExpired(f"{text} (is this host's clock right?)",
                                    _current_time_s(message))
        if "duplicate clordid" in lowered:
            return DuplicateClientOrderId(text)
        return OrderRejected(text) if order_call else FinalVenueError(text)
    if status in (401, 403):
        if "expired" in lowered:  # some answers use 401 for an expired signature
            return SignatureExpired(f"{text} (is this host's clock right?)",
                                    _current_time_s(message))
        return AuthenticationError(text)
    if status == 404:
        return OrderRejected(text) if order_call else FinalVenueError(text)
    if status == 429:
        return RateLimited(text, retry_after_s(headers, now_s))
    if status >= 500:
        if verb in ("POST", "PUT") and path.startswith("/order") and not is_overload(
                status, lowered):
            return RequestOutcomeUnknown(f"{text} (the order may have been taken)")
        return VenueUnavailable(text)
    return VenueError(text)


def is_overload(status: int, lowered_message: str) -> bool:
    """BitMEX's load-shedding answer: 503 saying "overloaded"; the request was not executed.
    A 503 without that text may come from a proxy in front of the engine: stricter reading,
    its outcome is unknown."""
    return status == 503 and "overload" in lowered_message
