"""Issue 14 item 11: signatures use the venue's clock (local + a measured offset); an
expired-by-skew answer resyncs the clock and is retried once instead of holding the bot."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from plutarc.clock import WallClock
from plutarc.errors import AuthenticationError
from plutarc.exchanges.bitmex import BitmexConfig, Credentials
from plutarc.exchanges.bitmex import core as bitmex_core
from plutarc.exchanges.bitmex.errors import SignatureExpired, error_from_response
from plutarc.exchanges.bitmex.skew import VenueClock, median_offset, server_ms
from plutarc.exchanges.bitmex.ws import BitmexSocket
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.exchanges.bitmex_sim.config import EXAMPLE_API_KEY, EXAMPLE_API_SECRET
from plutarc.models import OrderRequest, OrderType, Side

from .conftest import FAST, adapter_for, load, sim_config

D = Decimal
EXPIRED = load("faults/error_expired_2019.json")  # recorded "Current time: 1574621316"


class AheadClock:
    """The venue's clock, ``ahead_ms`` in front of this host's."""

    def __init__(self, ahead_ms: int) -> None:
        self.ahead_ms = ahead_ms

    def now_ms(self) -> int:
        return WallClock().now_ms() + self.ahead_ms


def entry(cid: str) -> OrderRequest:
    return OrderRequest(cid, "BTCUSD", Side.BUY, OrderType.MARKET, D(100))


def test_the_recorded_expired_answer_is_a_signature_expired_with_the_venue_time():
    for status in (400, 401):
        error = error_from_response(status, json.dumps(EXPIRED), {},
                                    verb="POST", path="/order", now_s=0)
        assert isinstance(error, SignatureExpired) and error.server_s == 1574621316


def test_offset_is_the_median_of_round_trip_midpoints_and_prefers_the_ms_timestamp():
    samples = [(1000.0, 31050.0, 1100.0), (2000.0, 32040.0, 2080.0), (3000.0, 99999.0, 3000.0),
               (4000.0, 34030.0, 4060.0), (5000.0, 35000.0, 5000.0)]
    assert median_offset(samples) == 30000.0  # one wild sample does not move it
    date = "Thu, 21 Nov 2019 18:48:36 GMT"  # 1574362116 s
    assert server_ms({"timestamp": 1574362116400}, date) == 1574362116400  # BitMEX: agrees
    assert server_ms({"timestamp": 1704067200000}, date) == 1574362116500  # sim replay time
    assert server_ms({}, None) is None


async def test_a_clock_behind_the_venue_is_measured_at_start_and_signatures_pass():
    async with SimServer(sim_config(), auth_clock=AheadClock(60_000)) as srv:
        venue = adapter_for(srv)
        try:
            await venue.start()
            assert venue.venue_clock.offset_ms == pytest.approx(60_000, abs=1500)
            await venue.wait_streams_live(5)  # the websocket signed with the venue's clock
            assert (await venue.place_order(entry("skew-1"))).venue_id
        finally:
            await venue.close()


async def test_an_expired_signature_resyncs_and_is_sent_once_more():
    async with SimServer(sim_config(), auth_clock=AheadClock(60_000)) as srv:
        venue = adapter_for(srv)  # not started: the clock was never measured
        try:
            order = await venue.place_order(entry("skew-2"))
            assert order.client_id == "skew-2"
            assert srv.exchange.accepted_orders == {"skew-2": 1}
            statuses = [s for m, p, s in srv.rest.requests if m == "POST"]
            assert statuses == [400, 200]  # expired, then the one retry
            assert venue.venue_clock.syncs == 1
        finally:
            await venue.close()


async def test_still_expired_after_the_resync_is_final(server):
    venue = adapter_for(server)
    server.faults.arm({"kind": "reject", "status": 400, "count": 2, "path": "/api/v1/order",
                       "exact": True, "method": "POST", "message": EXPIRED["error"]["message"]})
    try:
        with pytest.raises(AuthenticationError, match="still expired after resyncing"):
            await venue.place_order(entry("skew-3"))
        assert server.exchange.accepted_orders == {}
    finally:
        await venue.close()


async def test_an_expired_websocket_auth_resyncs_and_reconnects():
    async with SimServer(sim_config(), auth_clock=AheadClock(60_000)) as srv:
        clock = VenueClock(WallClock())  # never measured: 60 s behind the venue
        resyncs = []

        async def resync() -> None:
            resyncs.append(clock.offset_ms)
            clock.set_offset(60_000)

        config = BitmexConfig(**FAST, rest_url=srv.rest_url, ws_url=srv.ws_url)
        socket = BitmexSocket("private", config, ["order"], lambda *_: None,
                              credentials=Credentials(EXAMPLE_API_KEY, EXAMPLE_API_SECRET),
                              clock=clock, on_auth_expired=resync)
        socket.start()
        try:
            await socket.wait_live(5)
            assert resyncs == [0.0]  # one resync, then the re-signed auth passed
            assert len(socket.replacements) == 1 and "expired" in socket.replacements[0]
            assert srv.hub.sessions[-1].key == EXAMPLE_API_KEY
        finally:
            await socket.close()


async def test_the_offset_is_measured_again_periodically(server, monkeypatch):
    monkeypatch.setattr(bitmex_core, "RESYNC_S", 0.05)
    venue = adapter_for(server)
    try:
        await venue.start()
        first = venue.venue_clock.syncs
        for _ in range(100):
            if venue.venue_clock.syncs > first:
                break
            await asyncio.sleep(0.05)
        assert venue.venue_clock.syncs > first
    finally:
        await venue.close()
