"""Clock offset for timestamp-signed venues (median of server-time samples, used to sign),
and testnet/demo routing (OKX demo requests carry their header; a live venue is refused)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from plutarc.errors import AuthenticationError, ConfigError, TemporaryError
from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.models import OrderRequest, OrderStatus, OrderType, Side
from tests.exchanges.ccxt.replay import binance, okx
from tests.exchanges.ccxt.replay.core import ServerThread


def test_a_drifted_clock_is_measured_and_signed_requests_pass(monkeypatch) -> None:  # noqa: ANN001
    server = binance.BinanceServer()
    server.skew_ms = 45_000  # the venue is 45 s ahead: far outside the 10 s receive window
    thread = ServerThread(server.app).start()
    keys = CcxtCredentials(binance.KEY, binance.SECRET)

    async def go() -> tuple[int, list]:
        venue = CcxtVenue(PROFILES["binance"], credentials=keys, base_url=thread.url)
        unsynced = CcxtVenue(PROFILES["binance"], credentials=keys, base_url=thread.url)
        try:
            await venue.start()  # loads markets, then syncs the clock
            balances = await venue.balances()
            with pytest.raises(TemporaryError):  # -1021: outside the receive window
                await unsynced.balances()
            return venue.clock_offset_ms, balances
        finally:
            await venue.close()
            await unsynced.close()
    try:
        offset, balances = asyncio.run(go())
    finally:
        thread.stop()
    assert -46_000 < offset < -44_000  # ours minus the venue's
    assert [b.currency for b in balances] == ["USDT"]


def test_okx_demo_trading_carries_its_header_and_a_live_key_is_refused() -> None:
    server = okx.OkxServer(demo=True)
    thread = ServerThread(server.app).start()
    keys = CcxtCredentials(okx.KEY, okx.SECRET, okx.PASSPHRASE)

    async def go():  # noqa: ANN202
        demo = CcxtVenue(PROFILES["okx"], testnet=True, credentials=keys, base_url=thread.url)
        live = CcxtVenue(PROFILES["okx"], credentials=keys, base_url=thread.url)
        try:
            await demo.start()
            order = await demo.place_order(OrderRequest(
                "d1-limit", "BTC-USDT-SWAP", Side.BUY, OrderType.LIMIT, Decimal("1"),
                price=Decimal("30000")))
            with pytest.raises(AuthenticationError):  # its first private call, at start
                await live.start()
            return order
        finally:
            await demo.close()
            await live.close()
    try:
        order = asyncio.run(go())
    finally:
        thread.stop()
    assert order.status is OrderStatus.NEW
    assert [o.client_id for o in server.book.orders.values()] == ["d1zhlimit"]  # escaped


def test_an_okx_account_in_long_short_mode_is_refused_at_start() -> None:
    server = okx.OkxServer()
    server.position_mode = "long_short_mode"
    thread = ServerThread(server.app).start()

    async def go() -> None:
        venue = CcxtVenue(PROFILES["okx"], base_url=thread.url, credentials=CcxtCredentials(
            okx.KEY, okx.SECRET, okx.PASSPHRASE))
        try:
            await venue.start()
        finally:
            await venue.close()
    try:
        with pytest.raises(ConfigError, match="long/short .* bots need net mode"):
            asyncio.run(go())
        server.position_mode = "net_mode"
        asyncio.run(go())  # the same account in net mode starts
    finally:
        thread.stop()
