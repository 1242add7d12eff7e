"""ccxt's exceptions mapped once onto ours, in one table (the most specific class wins).

Our error classes carry the policy in their names: ``TemporaryError`` retries with backoff,
``FinalVenueError`` pauses the bot, ``OrderStatusUnknown`` makes the caller ask the venue by
client id. A network error or timeout while *placing* an order is never a plain temporary
error: the venue may have accepted it, so it is ``OrderStatusUnknown`` and is never re-sent.
A rate-limit ban (ccxt ``DDoSProtection`` that is not a plain rate limit) is final on venues
whose profile says so (Binance: retrying lengthens the ban).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from plutarc.errors import (
    AuthenticationError,
    FinalVenueError,
    InsufficientFunds,
    OrderRejected,
    OrderStatusUnknown,
    RateLimited,
    TemporaryError,
    VenueError,
    VenueUnavailable,
)

Make = Callable[[str], VenueError]

# ccxt class name -> our error; looked up along the exception's MRO, so subclasses first
TABLE: dict[str, Make] = {
    "RateLimitExceeded": lambda m: RateLimited(m, 1.0),
    "DDoSProtection": lambda m: RateLimited(m, 5.0),
    "OnMaintenance": VenueUnavailable,
    "ExchangeNotAvailable": VenueUnavailable,
    "RequestTimeout": TemporaryError,
    "InvalidNonce": TemporaryError,  # clock drift: resync, then retry
    "NetworkError": TemporaryError,
    "AuthenticationError": AuthenticationError,
    "PermissionDenied": AuthenticationError,
    "AccountSuspended": AuthenticationError,
    "InsufficientFunds": InsufficientFunds,
    "InvalidOrder": OrderRejected,
    "BadSymbol": OrderRejected,
    "BadRequest": OrderRejected,
    "NotSupported": OrderRejected,
    "OperationRejected": OrderRejected,
    "ExchangeError": FinalVenueError,
}

# on placing an order, these mean "it may have reached the venue": ask, never re-send
IN_DOUBT = ("RequestTimeout", "ExchangeNotAvailable", "NetworkError")
NOT_IN_DOUBT = ("RateLimitExceeded", "DDoSProtection", "InvalidNonce")  # refused unread

_QUERY = re.compile(r"\?\S*")
# ccxt raises DDoSProtection for Binance's HTTP 429 (too many requests: back off) as for its
# 418 (the IP ban that follows ignoring 429s): only the 418 is a ban
_HTTP_429 = re.compile(r"\b429\b")


def clean_message(venue: str, exc: BaseException) -> str:
    """The venue's words without a request's query string (signatures, timestamps)."""
    text = _QUERY.sub("?…", str(exc)).strip()
    return f"{venue}: {text[:300] or type(exc).__name__}"


def _names(exc: BaseException) -> list[str]:
    return [cls.__name__ for cls in type(exc).__mro__]


def map_error(venue: str, exc: BaseException, *, ban_is_final: bool = False) -> VenueError:
    """Our error for a ccxt exception (anything else: a TemporaryError naming it)."""
    names = _names(exc)
    message = clean_message(venue, exc)
    if ban_is_final and "DDoSProtection" in names and "RateLimitExceeded" not in names and (
            not _HTTP_429.search(str(exc))):
        return FinalVenueError(f"{message} (an IP ban: not retried; wait it out)")
    for name in names:
        make = TABLE.get(name)
        if make is not None:
            return make(message)
    return TemporaryError(message)


def map_placement_error(venue: str, exc: BaseException, client_id: str, *,
                        ban_is_final: bool = False) -> VenueError:
    """As ``map_error``, but a network failure after sending is ``OrderStatusUnknown``."""
    names = _names(exc)
    if any(n in names for n in IN_DOUBT) and not any(n in names for n in NOT_IN_DOUBT):
        return OrderStatusUnknown(clean_message(venue, exc), client_id)
    return map_error(venue, exc, ban_is_final=ban_is_final)


def is_order_not_found(exc: BaseException) -> bool:
    return "OrderNotFound" in _names(exc)
