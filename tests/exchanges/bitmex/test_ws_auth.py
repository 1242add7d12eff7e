"""Issue 14 item 6: only a 401/invalid-key answer to websocket authentication is final; 429,
5xx and a signature expired by clock skew reconnect with backoff and authenticate again."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from plutarc.exchanges.bitmex.ws import auth_refusal_is_final
from plutarc.models import OrderRequest, OrderType, Side

from .conftest import adapter_for, load

D = Decimal


@pytest.mark.parametrize(("status", "error", "final"), [
    (401, load("http/error_401.json")["error"]["message"], True),  # recorded "Invalid API Key."
    (401, "Signature not valid.", True),
    (403, "This key is disabled.", True),
    (401, load("faults/error_expired_2019.json")["error"]["message"], False),  # clock skew
    (429, "Rate limit exceeded", False),
    (503, "The system is currently overloaded. Please try again later.", False),
    (502, "Bad Gateway", False),
])
def test_which_auth_refusals_are_final(status, error, final):
    assert auth_refusal_is_final(status, error) is final


@pytest.mark.parametrize("status", [503, 429])
async def test_a_transient_auth_refusal_reconnects_and_the_stream_works(server, status):
    server.faults.arm({"kind": "ws_auth_error", "status": status, "count": 2})
    venue = adapter_for(server)
    try:
        await venue.start()
        fills = venue.stream_fills()
        await venue.wait_streams_live(5)
        private = venue.live.private
        assert private is not None and len(private.replacements) == 2
        assert all(str(status) in why for why in private.replacements)
        await venue.place_order(OrderRequest("after-auth", "BTCUSD", Side.BUY,
                                             OrderType.MARKET, D(100)))
        server.advance(1)
        assert (await asyncio.wait_for(anext(fills), 3)).client_id == "after-auth"
        session = server.hub.sessions[-1]
        assert session.key is not None and {"order", "execution"} <= session.topics
    finally:
        await venue.close()
