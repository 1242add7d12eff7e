"""Local venue servers and a CcxtVenue pointed at them, one server per venue and module.

``CASES`` holds every venue whose local server exists (the contract suite over them and
BitMEX is tests/exchanges/contract/); ``served`` runs over the first three (Binance USD-M,
Bybit, OKX), whose deeper tests in test_venues.py name their recorded instruments. Each
case carries the venue's key, a symbol and an order size in its own contracts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue
from plutarc.exchanges.ccxt.profile import CcxtProfile
from plutarc.exchanges.ccxt.venues import PROFILES
from tests.exchanges.ccxt.replay import (
    binance,
    bybit,
    deribit,
    gemini,
    kraken,
    kucoin,
    okx,
    phemex,
    woox,
)
from tests.exchanges.ccxt.replay.core import VENUE_CLOCK, ServerThread


@dataclass
class Served:
    name: str
    thread: ServerThread
    server: Any  # BinanceServer | BybitServer | OkxServer
    credentials: CcxtCredentials
    symbol: str
    qty: Decimal  # one small order, in the venue's contracts

    @property
    def profile(self) -> CcxtProfile:
        return PROFILES[self.name]

    def run(self, body: Callable[[CcxtVenue], Awaitable[Any]],
            credentials: CcxtCredentials | None = None) -> Any:
        async def go() -> Any:
            venue = CcxtVenue(PROFILES[self.name], credentials=credentials or self.credentials,
                              base_url=self.thread.url, timeout_s=5)
            venue.exchange.enableRateLimit = False  # ccxt's pacing only waits on a local server
            try:
                await venue.start()
                return await body(venue)
            finally:
                await venue.close()
        return asyncio.run(go())


CASES = {
    "binance": (binance.BinanceServer, CcxtCredentials(binance.KEY, binance.SECRET), "BTCUSDT",
                Decimal("0.01")),
    "bybit": (bybit.BybitServer, CcxtCredentials(bybit.KEY, bybit.SECRET), "BTCUSDT",
              Decimal("0.01")),
    "okx": (okx.OkxServer, CcxtCredentials(okx.KEY, okx.SECRET, okx.PASSPHRASE),
            "BTC-USDT-SWAP", Decimal("1")),
    "deribit": (deribit.DeribitServer, CcxtCredentials(deribit.KEY, deribit.SECRET),
                "BTC-PERPETUAL", Decimal("10")),
    "kraken": (kraken.KrakenServer, CcxtCredentials(kraken.KEY, kraken.SECRET), "PF_ETHUSD",
               Decimal("0.01")),
    "kucoin": (kucoin.KucoinServer, CcxtCredentials(kucoin.KEY, kucoin.SECRET,
                                                    kucoin.PASSPHRASE), "XBTUSDTM", Decimal("1")),
    "phemex": (phemex.PhemexServer, CcxtCredentials(phemex.KEY, phemex.SECRET), "BTCUSD",
               Decimal("10")),
    "gemini": (gemini.GeminiServer, CcxtCredentials(gemini.KEY, gemini.SECRET), "btcgusdperp",
               Decimal("0.001")),
    "woox": (woox.WooxServer, CcxtCredentials(woox.KEY, woox.SECRET), "PERP_BTC_USDT",
             Decimal("0.001")),
}


DEEP = ("binance", "bybit", "okx")


def _serve(name: str) -> Iterator[Served]:
    make, credentials, symbol, qty = CASES[name]
    server = make()
    thread = ServerThread(server.app).start()
    yield Served(name, thread, server, credentials, symbol, qty)
    thread.stop()


@pytest.fixture(scope="module", params=DEEP)
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    yield from _serve(request.param)


@pytest.fixture(autouse=True)
def _venue_clock_back_to_the_wall() -> Iterator[None]:
    """A test that moves the local venues' clock forward gives it back: a later test in the
    same process (another order, another xdist worker) measures offsets from the wall."""
    yield
    VENUE_CLOCK.reset()
