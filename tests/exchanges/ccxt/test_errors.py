"""ccxt's exceptions through our one table: the policy each of ours carries."""

from __future__ import annotations

import ccxt
import pytest

from plutarc.errors import (
    AuthenticationError,
    FinalVenueError,
    InsufficientFunds,
    OrderRejected,
    OrderStatusUnknown,
    RateLimited,
    TemporaryError,
    VenueUnavailable,
)
from plutarc.exchanges.ccxt.errors import map_error, map_placement_error


@pytest.mark.parametrize(("raised", "ours"), [
    (ccxt.RateLimitExceeded, RateLimited),
    (ccxt.DDoSProtection, RateLimited),
    (ccxt.OnMaintenance, VenueUnavailable),
    (ccxt.ExchangeNotAvailable, VenueUnavailable),
    (ccxt.RequestTimeout, TemporaryError),
    (ccxt.InvalidNonce, TemporaryError),
    (ccxt.AuthenticationError, AuthenticationError),
    (ccxt.PermissionDenied, AuthenticationError),
    (ccxt.InsufficientFunds, InsufficientFunds),
    (ccxt.InvalidOrder, OrderRejected),
    (ccxt.OrderNotFound, OrderRejected),
    (ccxt.BadSymbol, OrderRejected),
    (ccxt.ExchangeError, FinalVenueError),
])
def test_each_ccxt_error_maps_to_the_most_specific_of_ours(raised: type, ours: type) -> None:
    got = map_error("binance", raised("binanceusdm GET https://x/fapi/v1/order?signature=abc"))
    assert type(got) is ours
    assert "signature" not in str(got) and str(got).startswith("binance: ")


@pytest.mark.parametrize("raised", [ccxt.RequestTimeout, ccxt.ExchangeNotAvailable,
                                    ccxt.NetworkError])
def test_a_network_failure_while_placing_is_in_doubt_never_a_retry(raised: type) -> None:
    got = map_placement_error("bybit", raised("timed out"), "cid-1")
    assert isinstance(got, OrderStatusUnknown) and got.client_id == "cid-1"


@pytest.mark.parametrize(("raised", "ours"), [(ccxt.RateLimitExceeded, RateLimited),
                                              (ccxt.InvalidNonce, TemporaryError),
                                              (ccxt.InsufficientFunds, InsufficientFunds)])
def test_a_refusal_before_the_order_was_looked_at_is_not_in_doubt(raised: type,
                                                                  ours: type) -> None:
    assert type(map_placement_error("okx", raised("no"), "cid-2")) is ours


def test_an_ip_ban_is_final_where_the_profile_says_so() -> None:
    ban = ccxt.DDoSProtection("418 I'm a teapot")
    assert isinstance(map_error("binance", ban, ban_is_final=True), FinalVenueError)
    assert isinstance(map_error("bybit", ban), RateLimited)
    limited = ccxt.RateLimitExceeded("429")
    assert isinstance(map_error("binance", limited, ban_is_final=True), RateLimited)
    # ccxt's binance raises DDoSProtection for a plain 429 too: a rate limit, not the ban
    warned = ccxt.DDoSProtection('binanceusdm 429 Too Many Requests {"code": -1003}')
    assert isinstance(map_error("binance", warned, ban_is_final=True), RateLimited)
