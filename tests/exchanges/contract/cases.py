"""One running venue per case for the contract suite: BitMEX (our native adapter against its
local simulator) and each served ccxt venue (``CcxtVenue`` against its local replay server).

A ``Case`` hides how its server is driven (which attribute arms a lost answer, how its
clock is shifted, how a restart is done, where it keeps the leverage it was told): the
checks in this package call only these hooks and the ``Venue`` interface, so they never
name a venue. Differences between venues come from capabilities and profiles, read here.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from decimal import Decimal
from typing import Any

from aiohttp import web

from plutarc.clock import WallClock
from plutarc.exchanges.base import Capabilities
from plutarc.exchanges.bitmex import BitmexAdapter, BitmexConfig, Credentials
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.exchanges.bitmex_sim.config import EXAMPLE_API_KEY, EXAMPLE_API_SECRET
from plutarc.exchanges.ccxt import AmendStyle, CcxtCredentials, CcxtVenue
from plutarc.exchanges.ccxt.profile import ClockSource
from plutarc.exchanges.ccxt.venues import PROFILES
from tests.exchanges.bitmex.conftest import FAST, sim_config
from tests.exchanges.ccxt.conftest import CASES
from tests.exchanges.ccxt.replay.core import ServerThread
from tests.exchanges.ccxt.replay.history import app_with_history

Body = Callable[[Any], Awaitable[Any]]

# what one order of the case is worth by the venue's own contract terms (its docs or
# recording): base coin for linear contracts, quote currency for inverse ones
WORTH = {"bitmex": ("USD", "100"),  # XBTUSD: 1 USD a contract, lot 100
         "binance": ("BTC", "0.01"), "bybit": ("BTC", "0.01"), "okx": ("BTC", "0.01"),
         "deribit": ("USD", "10"),  # BTC-PERPETUAL: amounts in USD, 10 USD a contract
         "kraken": ("ETH", "0.01"), "kucoin": ("BTC", "0.001"),  # XBTUSDTM: 0.001 a lot
         "phemex": ("USD", "10"),  # BTCUSD: 1 USD a contract
         "woox": ("BTC", "0.001"),
         "gemini": ("BTC", "0.001")}  # btcgusdperp: amounts in BTC


class Case:
    """A venue and its local server, module-scoped; ``run`` gives each check a fresh
    adapter (as a restarted daemon would have) on the same server and account."""

    name: str
    symbol: str
    qty: Decimal
    capabilities: Capabilities
    unique_client_ids: bool  # a second order under a live client id is refused
    stops_movable: bool  # a resting stop can be moved (else: a typed refusal, untouched)
    server_clock: bool  # signatures use the venue's clock, measured by sync_clock
    funding_history: bool  # the venue serves its funding-rate history
    streams: bool  # fills arrive over a socket the venue pushes on (else: REST polling)
    sets_leverage: bool  # the venue has a per-symbol leverage setting (else: refused, typed)

    @property
    def worth(self) -> tuple[str, Decimal]:
        unit, amount = WORTH[self.name]
        return unit, Decimal(amount)

    def run(self, body: Body, *, wrong_key: bool = False) -> Any:
        raise NotImplementedError

    def lose_next_create_answer(self, how: str) -> None:
        """The next order is accepted and its answer never arrives: ``gateway`` (a proxy's
        504 in its place) or ``dropped`` (the connection closes under it)."""
        raise NotImplementedError

    def heal(self) -> None:
        """Every armed fault cleared."""

    def held_orders(self, client_id: str) -> int:
        """Orders the venue holds under our client id (sent once means one)."""
        raise NotImplementedError

    def shift_clock(self, ahead_ms: int) -> None:
        raise NotImplementedError

    def measured_skew_ms(self, venue: Any) -> float:
        """How far ahead of us the adapter measured the venue's clock."""
        raise NotImplementedError

    def restart(self) -> None:
        """The venue drops every connection and comes back on the same address."""
        raise NotImplementedError

    def leverage_at_venue(self, symbol: str) -> Decimal | None:
        raise NotImplementedError

    def rate_limit_next(self) -> bool:
        """The venue's own rate-limit answer to the next order sent; False where the local
        server cannot give one (the check is skipped, saying so)."""
        raise NotImplementedError

    def ban_next(self) -> bool:
        """The venue's IP ban as the answer to the next order sent, where the venue
        declares its bans final and its local server can give one; else False."""
        return False

    def stop(self) -> None:
        raise NotImplementedError


# -- ccxt venues --------------------------------------------------------------------------
class CcxtCase(Case):
    def __init__(self, name: str) -> None:
        if name not in CASES:
            raise LookupError(f"{name} is in SERVED but tests/exchanges/ccxt/conftest.py "
                              "CASES has no local server for it: a served venue must pass "
                              "the contract suite")
        make, self.credentials, self.symbol, self.qty = CASES[name]
        self.name = name
        self.profile = PROFILES[name]
        self.capabilities = self.profile.capabilities
        self.unique_client_ids = self.profile.unique_client_ids
        # in place, or cancel-then-place where the client id is free again after the
        # cancel; place-then-cancel would need a second client id: refused
        self.stops_movable = self.profile.amend is AmendStyle.NATIVE or (
            self.profile.amend is AmendStyle.CANCEL_THEN_PLACE
            and self.profile.client_ids_reusable)
        self.server_clock = self.profile.clock is ClockSource.SERVER
        self.funding_history = self.profile.funding_page > 0
        # the local replay servers push on no socket: fills come over REST (polled, or the
        # WebSocket layer's REST fallback where the profile has a socket)
        self.streams = False
        self.sets_leverage = bool(_ccxt_has(self.profile.ccxt_id, "setLeverage"))
        self.server = make()
        self.drop_next_order = False
        self.thread = ServerThread(self._app).start()

    def _app(self) -> Any:
        """The venue's app with its history routes (funding), where they exist, and a
        connection that can drop under the answer to an accepted order."""
        try:
            app = app_with_history(self.name, self.server)
        except KeyError:
            app = self.server.app()

        @web.middleware
        async def drop_after_accept(request: web.Request, handler: Any) -> web.StreamResponse:
            before = len(self.server.book.orders)
            response = await handler(request)
            if self.drop_next_order and len(self.server.book.orders) > before:
                self.drop_next_order = False
                assert request.transport is not None
                request.transport.abort()  # the order stands; its answer never leaves
            return response
        app.middlewares.append(drop_after_accept)
        return app

    def run(self, body: Body, *, wrong_key: bool = False) -> Any:
        creds = self.credentials
        if wrong_key:
            creds = CcxtCredentials("not-the-key", creds.secret, creds.passphrase)

        async def go() -> Any:
            venue = CcxtVenue(self.profile, credentials=creds, base_url=self.thread.url,
                              timeout_s=5, poll_s=0.2)
            # ccxt's own pacing (600 ms a request on Kraken) is politeness to the real venue;
            # against the local server it only waits. The venue's rate-limit answer itself
            # is checked (test_faults: a rate-limited order)
            venue.exchange.enableRateLimit = False
            try:
                await venue.start()
                return await body(venue)
            finally:
                await venue.close()
        return asyncio.run(go())

    def lose_next_create_answer(self, how: str) -> None:
        if how == "gateway":  # the venue server's own: accepted, answered 504 or timed out
            self.server.fail_next_create = "timeout_after_accept"
        else:
            self.drop_next_order = True

    def held_orders(self, client_id: str) -> int:
        wire = CcxtVenue(self.profile).orders.wire(client_id)  # as the venue carries it
        return sum(1 for o in self.server.book.orders.values() if o.client_id == wire)

    def shift_clock(self, ahead_ms: int) -> None:
        self.server.skew_ms = ahead_ms

    def measured_skew_ms(self, venue: CcxtVenue) -> float:
        return -venue.clock_offset_ms  # ccxt's offset is ours minus the venue's

    def restart(self) -> None:
        self.thread.restart()

    def leverage_at_venue(self, symbol: str) -> Decimal | None:
        found = getattr(self.server, "leverage_set", {}).get(symbol)
        return None if found is None else Decimal(str(found))

    def rate_limit_next(self) -> bool:
        if not hasattr(self.server, "rate_limit_next"):
            return False
        self.server.rate_limit_next = True
        return True

    def ban_next(self) -> bool:
        if not (self.profile.ban_is_final and hasattr(self.server, "ban_next")):
            return False
        self.server.ban_next = True
        return True

    def stop(self) -> None:
        self.thread.stop()


def _ccxt_has(ccxt_id: str, method: str) -> object:
    """What ccxt's class for the venue says it can do (its synchronous twin: no session)."""
    import ccxt

    return getattr(ccxt, ccxt_id)().has.get(method)


# -- BitMEX -------------------------------------------------------------------------------
class ShiftedClock:
    """The simulator's signing clock: the wall clock, ``ahead_ms`` in front of this host."""

    def __init__(self) -> None:
        self.ahead_ms = 0

    def now_ms(self) -> int:
        return WallClock().now_ms() + self.ahead_ms


class LoopThread:
    """An event loop in a thread: the simulator lives there while each check runs its
    adapter in its own loop, as a daemon and a venue would."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, work: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(15)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        # closed here: a loop left to the garbage collector warns from __del__, at any
        # moment of another test (under warnings-as-errors, inside whatever runs then)
        self.loop.close()


class BitmexCase(Case):
    def __init__(self) -> None:
        self.name, self.symbol, self.qty = "bitmex", "BTCUSD", Decimal(100)
        self.unique_client_ids = False  # a resent clOrdID is answered with the order it names
        self.stops_movable = True  # amends in place (PUT /order)
        self.server_clock = True  # api-expires against the venue's clock
        self.funding_history = True
        self.streams = True  # the private websocket
        self.sets_leverage = True  # POST /position/leverage
        self.clock = ShiftedClock()
        self.loop = LoopThread()
        # token buckets large enough for the whole module (each check starts an adapter,
        # which measures the clock unsigned); the limit itself is checked
        # with the simulator's own 429 (rate_limit_next)
        self.server = SimServer(sim_config(rate_limit_per_minute=100_000,
                                           rate_limit_unauth_per_minute=100_000,
                                           order_limit_per_second=1_000),
                                auth_clock=self.clock)
        self.loop.call(self.server.start())
        self.capabilities = self._adapter().capabilities

    def _adapter(self, wrong_key: bool = False) -> BitmexAdapter:
        secret = "x" * len(EXAMPLE_API_SECRET) if wrong_key else EXAMPLE_API_SECRET
        return BitmexAdapter(BitmexConfig(**{**FAST, "rest_url": self.server.rest_url,
                                             "ws_url": self.server.ws_url}),
                             Credentials(EXAMPLE_API_KEY, secret))

    def run(self, body: Body, *, wrong_key: bool = False) -> Any:
        async def go() -> Any:
            venue = self._adapter(wrong_key)
            try:
                if not wrong_key:
                    await venue.start()
                    await venue.wait_streams_live(5)
                return await body(venue)
            finally:
                await venue.close()
        return asyncio.run(go())

    def lose_next_create_answer(self, how: str) -> None:
        # the order is executed and answered by a gateway's 504, or its connection dropped;
        # the adapter's own lookups fail too (503), so its answer is OrderStatusUnknown
        # until the venue is healed
        if how == "gateway":
            self.server.faults.arm({"kind": "error_after_accept", "status": 504,
                                    "path": "/api/v1/order", "exact": True, "method": "POST"})
        else:
            self.server.faults.arm({"kind": "timeout_after_accept", "path": "/api/v1/order",
                                    "exact": True, "method": "POST", "mode": "drop"})
        # ... and its private stream says nothing of it (the adapter looks there first)
        self.server.faults.arm({"kind": "silence", "pong": True})
        self.server.faults.arm({"kind": "reject", "status": 503, "path": "/api/v1/order",
                                "exact": True, "method": "GET", "count": 1_000,
                                "message": "Service unavailable"})

    def heal(self) -> None:
        self.server.faults.clear()

    def held_orders(self, client_id: str) -> int:
        return self.server.exchange.accepted_orders.get(client_id, 0)

    def shift_clock(self, ahead_ms: int) -> None:
        self.clock.ahead_ms = ahead_ms
        # the simulator's token buckets refill on this clock; one moved back would owe
        # tokens for the jump (a real venue's clock never jumps back): start them afresh
        self.server.rest.limiter._buckets.clear()
        self.server.rest.limiter._seconds.clear()

    def measured_skew_ms(self, venue: BitmexAdapter) -> float:
        return venue.venue_clock.offset_ms  # the venue's minus ours

    def restart(self) -> None:
        async def again() -> None:
            port = self.server.port
            await self.server.close()
            self.server.config = self.server.config.model_copy(update={"port": port})
            await self.server.start()
        self.loop.call(again())

    def leverage_at_venue(self, symbol: str) -> Decimal | None:
        listing = self.server.exchange.venues["XBTUSD" if symbol == "BTCUSD" else symbol]
        return Decimal(str(listing.engine.position.leverage))

    def rate_limit_next(self) -> None:
        self.server.faults.arm({"kind": "reject", "status": 429, "retry_after_s": 1,
                                "path": "/api/v1/order", "exact": True, "method": "POST"})
        return True

    def ban_next(self) -> bool:
        # the simulator's own ban answer (its ban_after_429s): a 403, final
        self.server.faults.arm({"kind": "reject", "status": 403, "path": "/api/v1/order",
                                "exact": True, "method": "POST", "message": "Access Denied: "
                                "banned for repeated rate-limit violations"})
        return True

    def stop(self) -> None:
        self.loop.call(self.server.close())
        self.loop.stop()


def make_case(name: str) -> Case:
    return BitmexCase() if name == "bitmex" else CcxtCase(name)
