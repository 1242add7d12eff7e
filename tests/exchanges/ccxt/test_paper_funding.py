"""A paper bot on a ccxt venue's public data is charged funding at the venue's funding
times from the venue's own rates: a position held on the local Binance USD-M server across
its 8-hourly funding times pays, at each, qty x contract size x the bar's open x the rate
the server published for that time (computed here by hand from the recorded rates)."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from plutarc.daemon.paper.legs import PAPER_SIM_CONFIG
from plutarc.exchanges.ccxt.adapter import CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.exchanges.paper_venue import PaperVenue
from plutarc.models import Fill, Liquidity, Side
from tests.exchanges.ccxt.replay import binance
from tests.exchanges.ccxt.replay.core import FIXTURES, MINUTE, ServerThread, Tape
from tests.exchanges.ccxt.replay.history import FUNDING_MS, app_with_history, rate_at

QTY = Decimal("0.5")


@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_a_paper_position_pays_funding_at_the_venues_times_at_its_rates(side: Side):
    server = binance.BinanceServer(Tape(history=20 * 60))  # 20 h: two or three funding times
    thread = ServerThread(lambda: app_with_history("binance", server)).start()
    start = server.tape.anchor + MINUTE

    async def go():  # noqa: ANN202
        paper = PaperVenue(CcxtVenue(PROFILES["binance"], base_url=thread.url, timeout_s=5),
                           "1m", PAPER_SIM_CONFIG, id_prefix="t")
        try:
            await paper.start()
            paper.resume_from("BTCUSDT", start + MINUTE)  # the position is held from here on
            price = Decimal(str(server.tape.bar(start)[4]))
            paper.restore_fill(Fill("t-BTCUSDT-1", "c1", "v1", "BTCUSDT", side, QTY, price,
                                    Decimal(0), "USDT", Liquidity.TAKER, start + MINUTE))
            await paper.catch_up("BTCUSDT")
            engine = paper._engine("BTCUSDT")
            return list(engine.funding_payments), engine.instrument
        finally:
            await paper.close()
    try:
        payments, inst = asyncio.run(go())
    finally:
        thread.stop()

    rates = [r["fundingRate"] for r in json.loads((FIXTURES / "binance" /
                                                   "funding_rate.json").read_text())]
    times = list(range(-(-(start + MINUTE) // FUNDING_MS) * FUNDING_MS,
                       payments[-1].ts_ms + 1 if payments else 0, FUNDING_MS))
    assert len(times) >= 2 and [p.ts_ms for p in payments] == times
    sign = 1 if side is Side.BUY else -1
    for p in payments:
        rate = float(rate_at(rates, p.ts_ms))
        open_ = float(server.tape.bar(p.ts_ms)[1])
        assert p.rate == rate
        # a long pays a positive rate, a short receives it; linear notional = qty x mult x price
        expected = sign * float(QTY) * float(inst.multiplier) * open_ * rate
        assert float(p.amount) == pytest.approx(expected, rel=1e-6, abs=1e-9)
