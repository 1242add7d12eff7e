"""Paper funding after a restart (local Binance USD-M server): each payment reaches the
listeners once, before its candle's fills; a new sim given the payments made before books
them into its wallet and, matching the same candles again, charges none of them twice. A
lost first answer of the funding history is asked again, not taken for "no funding"."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from plutarc.daemon.paper.legs import PAPER_SIM_CONFIG
from plutarc.errors import TemporaryError
from plutarc.exchanges.ccxt.adapter import CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.exchanges.paper_venue import PaperVenue
from plutarc.models import Fill, Liquidity, Side
from tests.exchanges.ccxt.replay import binance
from tests.exchanges.ccxt.replay.core import MINUTE, ServerThread, Tape
from tests.exchanges.ccxt.replay.history import app_with_history

QTY = Decimal("0.5")


def test_payments_are_heard_once_and_a_rebuilt_sim_books_them_without_charging_again():
    server = binance.BinanceServer(Tape(history=20 * 60))  # 20 h: two or three funding times
    thread = ServerThread(lambda: app_with_history("binance", server)).start()
    start = server.tape.anchor + MINUTE
    price = Decimal(str(server.tape.bar(start)[4]))
    entry = Fill("t-BTCUSDT-1", "c1", "v1", "BTCUSDT", Side.BUY, QTY, price, Decimal(0),
                 "USDT", Liquidity.TAKER, start + MINUTE)

    async def run(before: list | None):  # noqa: ANN202
        paper = PaperVenue(CcxtVenue(PROFILES["binance"], base_url=thread.url, timeout_s=5),
                           "1m", PAPER_SIM_CONFIG, id_prefix="t")
        heard: list = []
        paper.funding.listeners.append(heard.append)
        try:
            await paper.start()
            paper.resume_from("BTCUSDT", start + MINUTE)
            paper.restore_fill(entry)
            engine = paper._engine("BTCUSDT")
            wallet0 = engine.account.balance("USDT")
            if before is not None:
                paper.funding.restore(engine, before)
            await paper.catch_up("BTCUSDT")
            return heard, list(engine.funding_payments), wallet0, engine.account.balance("USDT")
        finally:
            await paper.close()

    try:
        heard, made, wallet0, wallet1 = asyncio.run(run(None))
        assert len(made) >= 2 and heard == made  # every payment heard, once
        assert wallet1 == wallet0 - sum(p.amount for p in made)
        # a restart: the same candles matched again by a new sim that knows the payments
        heard2, made2, wallet0b, wallet2 = asyncio.run(run(made))
        assert heard2 == [] and made2 == []  # nothing charged twice
        assert wallet2 == wallet0b - sum(p.amount for p in made)  # but booked, not lost
        # a restart knowing only the first payment charges the rest, once each
        heard3, made3, _, _ = asyncio.run(run(made[:1]))
        assert [p.ts_ms for p in heard3] == [p.ts_ms for p in made[1:]] == \
            [p.ts_ms for p in made3]
    finally:
        thread.stop()


class FirstAskFails:
    """The real local market, whose first funding answer is lost (a passing outage)."""

    def __init__(self, market: CcxtVenue) -> None:
        self.market = market
        self.failed = False

    def __getattr__(self, name: str):  # noqa: ANN204 - everything else is the market's
        return getattr(self.market, name)

    async def funding_rates(self, symbol: str, start_ms: int, end_ms: int) -> list:
        if not self.failed:
            self.failed = True
            raise TemporaryError("funding history: the venue did not answer (timeout)")
        return await self.market.funding_rates(symbol, start_ms, end_ms)


def test_a_lost_first_funding_answer_is_asked_again_not_taken_for_no_funding():
    server = binance.BinanceServer(Tape(history=20 * 60))
    thread = ServerThread(lambda: app_with_history("binance", server)).start()
    start = server.tape.anchor + MINUTE
    price = Decimal(str(server.tape.bar(start)[4]))

    async def go():  # noqa: ANN202
        market = FirstAskFails(CcxtVenue(PROFILES["binance"], base_url=thread.url,
                                         timeout_s=5))
        paper = PaperVenue(market, "1m", PAPER_SIM_CONFIG, id_prefix="t")  # type: ignore[arg-type]
        try:
            await paper.start()
            paper.resume_from("BTCUSDT", start + MINUTE)
            paper.restore_fill(Fill("t-BTCUSDT-1", "c1", "v1", "BTCUSDT", Side.BUY, QTY,
                                    price, Decimal(0), "USDT", Liquidity.TAKER,
                                    start + MINUTE))
            await paper.catch_up("BTCUSDT")
            return market.failed, list(paper._engine("BTCUSDT").funding_payments)
        finally:
            await paper.close()
    try:
        failed, payments = asyncio.run(go())
    finally:
        thread.stop()
    # the first ask failed on the position's first bar; an hour later the schedule was read
    # and every funding time after that was charged
    assert failed and len(payments) >= 1
    assert payments[0].ts_ms >= start + MINUTE + 60 * MINUTE
