"""BitMEX status + error body -> our error tree; rate-limit state from headers."""

from __future__ import annotations

import json

import pytest

from plutarc.errors import (
    AuthenticationError,
    FinalVenueError,
    InsufficientFunds,
    OrderRejected,
    RateLimited,
    VenueUnavailable,
)
from plutarc.exchanges.bitmex.errors import (
    DuplicateClientOrderId,
    SignatureExpired,
    error_from_response,
    error_text,
)
from plutarc.exchanges.bitmex.ratelimit import Lane, RateLimitState

from .conftest import RESOURCES


def err(status, message, verb="POST", path="/order", headers=None, now_s=1000.0):
    body = json.dumps({"error": {"message": message, "name": "HTTPError"}})
    return error_from_response(status, body, headers or {}, verb=verb, path=path, now_s=now_s)


def test_recorded_error_body():
    body = (RESOURCES / "http/error_401.json").read_bytes()
    assert error_text(body) == ("Invalid API Key.", "HTTPError")
    error = error_from_response(401, body, {}, verb="GET", path="/order", now_s=0)
    assert isinstance(error, AuthenticationError)
    assert str(error) == "BitMEX GET /order: HTTP 401 HTTPError: Invalid API Key."


@pytest.mark.parametrize(
    ("status", "message", "verb", "path", "kind"),
    [
        (400, "Account has insufficient Available Balance, 1 XBt required", "POST", "/order",
         InsufficientFunds),
        (400, "Duplicate clOrdID", "POST", "/order", DuplicateClientOrderId),
        (400, "orderQty is invalid", "POST", "/order", OrderRejected),
        (400, "count is invalid", "GET", "/trade/bucketed", FinalVenueError),
        (400, "This request has expired - `expires` is in the past. Current time: 1574621316",
         "GET", "/order", SignatureExpired),  # an AuthenticationError, resynced once first
        (401, "Signature not valid.", "GET", "/order", AuthenticationError),
        (403, "Access Denied", "POST", "/order", AuthenticationError),
        (404, "Not Found", "DELETE", "/order", OrderRejected),
        (404, "Not Found", "GET", "/nowhere", FinalVenueError),
        (503, "The system is currently overloaded. Please try again later.", "POST", "/order",
         VenueUnavailable),
        (502, "Bad gateway", "GET", "/instrument", VenueUnavailable),
    ],
)
def test_status_mapping(status, message, verb, path, kind):
    error = err(status, message, verb, path)
    assert type(error) is kind
    assert message.split(" - ")[0] in str(error)


def test_expired_request_hints_at_the_clock():
    assert "clock" in str(err(400, "This request has expired - `expires` is in the past."))


def test_429_retry_after_from_headers():
    limited = err(429, "Rate limit exceeded", headers={"Retry-After": "3"})
    assert isinstance(limited, RateLimited) and limited.retry_after_s == 3
    by_reset = err(429, "Rate limit exceeded", headers={"x-ratelimit-reset": "1012"}, now_s=1000)
    assert by_reset.retry_after_s == 12


def test_non_json_error_body():
    error = error_from_response(502, b"<html>Bad Gateway</html>", {}, verb="GET", path="/x",
                                now_s=0)
    assert "Bad Gateway" in str(error) and isinstance(error, VenueUnavailable)


def test_rate_limit_state_waits_for_the_next_token_not_the_reset():
    state = RateLimitState()
    state.update({"x-ratelimit-limit": "120", "x-ratelimit-remaining": "5",
                  "x-ratelimit-reset": "1010"}, 1000.0)
    assert state.wait_s(1000.0) == 0
    state.update({"x-ratelimit-limit": "120", "x-ratelimit-remaining": "0",
                  "x-ratelimit-reset": "1060"}, 1000.0)
    # a token refills every 0.5 s at 120/min; the reset (bucket full) is a minute away
    assert state.wait_s(1000.0, lane=Lane.PRIORITY) == 0.5
    assert state.wait_s(1000.0) == 1.5  # entries leave two tokens for cancels and stops
    state.rate_limited(1000.0, 20.0)  # a 429 asking for 20 s
    assert state.wait_s(1000.0) == 20  # entries and reads wait what the venue asked
    # a stop or cancel waits for the next token only (issue 14: within a second)
    assert state.wait_s(1000.0, lane=Lane.PRIORITY) == 0.5
    assert state.wait_s(1000.5, lane=Lane.PRIORITY) == 0
    state.update({})  # answers without the headers change nothing
    assert state.limit == 120
