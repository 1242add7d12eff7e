"""An order asks for its market's Instrument (CcxtVenue.spec) each time: parsed once per
market, and parsed anew from a market that was loaded again (a new dict), never stale.
Against the OKX replay server (tests/exchanges/ccxt/replay/okx.py, recorded OKX shapes)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from plutarc.exchanges.ccxt import CcxtCredentials, CcxtVenue, parse
from plutarc.exchanges.ccxt.venues import PROFILES
from tests.exchanges.ccxt.replay import okx
from tests.exchanges.ccxt.replay.core import ServerThread

SYMBOL = "BTC-USDT-SWAP"


def test_an_instrument_is_parsed_once_per_market_and_again_for_a_reloaded_one() -> None:
    thread = ServerThread(okx.OkxServer().app).start()

    async def go():  # noqa: ANN202
        venue = CcxtVenue(PROFILES["okx"], credentials=CcxtCredentials(
            okx.KEY, okx.SECRET, okx.PASSPHRASE), base_url=thread.url)
        try:
            await venue.start()
            market = await venue.market(SYMBOL)
            first, second = venue.spec(market), await venue.instrument(SYMBOL)
            reloaded = {**market, "precision": {**market["precision"], "price": 0.5}}
            return market, first, second, venue.spec(reloaded), venue.spec(market)
        finally:
            await venue.close()

    try:
        market, first, second, fresh, again = asyncio.run(go())
    finally:
        thread.stop()
    assert first is second is again  # one parse for every order on the market
    assert first == parse.instrument("okx", market, PROFILES["okx"].amount_in_quote)
    assert fresh.tick_size == Decimal("0.5") and first.tick_size != Decimal("0.5")
