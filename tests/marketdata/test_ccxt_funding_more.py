"""``plutarc data download`` of funding history from Kraken Futures, KuCoin Futures,
Phemex, WOO X and Deribit against their local servers (history routes in replay/history_more.py):
every funding time of the range stored once, a half-done download resumed, a re-run
fetching nothing, small pages missing nothing; the report says plainly what the venue does
not serve."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from urllib.request import urlopen

import numpy as np
import pytest

from plutarc.exchanges.ccxt.adapter import CcxtVenue
from plutarc.exchanges.ccxt.venues import PROFILES
from plutarc.marketdata.ccxt_source import CcxtHistory
from plutarc.marketdata.download import download
from plutarc.marketdata.sources import open_source
from plutarc.marketdata.store import MarketStore
from tests.exchanges.ccxt.replay import deribit, kraken, kucoin, phemex, woox
from tests.exchanges.ccxt.replay.core import MINUTE, ServerThread, Tape
from tests.exchanges.ccxt.replay.history import app_with_history

HOUR = 60 * MINUTE
# venue -> (server, symbol, funding spacing, what the report says of open interest)
CASES = {"deribit": (deribit.DeribitServer, "BTC-PERPETUAL", HOUR,
                     "deribit: no open-interest history from the venue"),
         "kraken": (kraken.KrakenServer, "PF_ETHUSD", HOUR,
                    "kraken: no open-interest history from the venue"),
         "kucoin": (kucoin.KucoinServer, "XBTUSDTM", 8 * HOUR, ""),  # OI: hourly rows
         "phemex": (phemex.PhemexServer, "BTCUSD", 8 * HOUR,
                    "phemex: no open-interest history from the venue"),
         "woox": (woox.WooxServer, "PERP_BTC_USDT", 8 * HOUR,
                  "woox: no open-interest history from the venue")}


@pytest.fixture(scope="module", params=sorted(CASES))
def served(request):  # noqa: ANN001, ANN201
    make, symbol, spacing, oi_note = CASES[request.param]
    server = make(Tape(history=2 * 1440 + 30))
    thread = ServerThread(lambda: app_with_history(request.param, server)).start()
    yield request.param, server, thread, symbol, spacing, oi_note
    thread.stop()


def _download(store: MarketStore, name: str, url: str, symbol: str, a: int, b: int):  # noqa: ANN202
    async def go():  # noqa: ANN202
        source = open_source(name, url)
        try:
            return await download(store, source, symbol, "1m", a, b)
        finally:
            await source.close()
    return asyncio.run(go())


def test_funding_downloads_resumes_and_reruns_idempotently(served, tmp_path):
    name, server, thread, symbol, spacing, oi_note = served
    start = server.tape.anchor + MINUTE
    end = start + 2 * 1440 * MINUTE
    store = MarketStore(tmp_path / "full")
    report = {s.series: s for s in _download(store, name, thread.url, symbol, start, end).series}
    funding = store.read(name, symbol, "funding", start, end)
    assert funding["timestamp"].tolist() == list(range(-(-start // spacing) * spacing, end,
                                                       spacing))
    assert np.all(funding["funding_rate"] != 0)
    if name == "deribit":  # the hour's charge (interest_1h), not ccxt's 8-hour figure
        t = int(funding["timestamp"][5])
        with urlopen(f"{thread.url}/api/v2/public/get_funding_rate_history?instrument_name="
                     f"{symbol}&start_timestamp={t}&end_timestamp={t}") as resp:  # noqa: S310
            row = json.loads(resp.read())["result"][0]
        assert funding["funding_rate"][5] == pytest.approx(row["interest_1h"])
        assert abs(row["interest_8h"]) > 100 * abs(row["interest_1h"])
    assert report["oi"].note.startswith(oi_note)
    oi = store.read(name, symbol, "oi", start, end)
    if oi_note:
        assert oi["timestamp"].size == 0
    else:  # the venue's hourly open interest, each row once
        assert oi["timestamp"].tolist() == list(range(-(-start // HOUR) * HOUR, end, HOUR))
        assert np.all(oi["sum_open_interest_value"] > 0)

    half = MarketStore(tmp_path / "half")
    _download(half, name, thread.url, symbol, start, start + 1440 * MINUTE)
    resumed = {s.series: s for s in _download(half, name, thread.url, symbol, start,
                                               end).series}
    # Phemex's inverse klines are only its latest 1,000 (the first day is a reported gap), so
    # funding there was recorded only as far as candles reached: all of it is fetched now
    second_day = [t for t in funding["timestamp"] if t >= start + 1440 * MINUTE]
    if name == "phemex":
        assert resumed["1m"].gaps and resumed["1m"].gaps[0].start_ms <= start + MINUTE
    else:
        assert resumed["1m"].rows_stored == 1440
    assert resumed["funding"].rows_stored == (len(second_day) if name != "phemex" else
                                              len(funding["timestamp"]))
    for col, ref in funding.items():
        np.testing.assert_array_equal(half.read(name, symbol, "funding", start, end)[col], ref)

    before = len(thread.requests)
    again = {s.series: s for s in _download(store, name, thread.url, symbol, start,
                                             end).series}
    assert again["1m"].rows_stored == 0 and again["funding"].rows_stored == 0
    assert not any("fund" in path for _, path in thread.requests[before:])  # none asked


def test_small_funding_pages_miss_no_row(served):
    name, server, thread, symbol, spacing, _ = served
    start = server.tape.anchor + MINUTE
    end = start + 2 * 1440 * MINUTE

    async def stamps(page: int, oi_page: int) -> tuple[list[int], list[int]]:
        prof = dataclasses.replace(PROFILES[name], funding_page=page, oi_page=oi_page,
                                   history_pace_s=0.0)
        history = CcxtHistory(CcxtVenue(prof, base_url=thread.url, timeout_s=5))
        try:
            return ([r.ts_ms for r in await history.funding_rates(symbol, start, end)],
                    [r.ts_ms for r in await history.open_interest(symbol, start, end)])
        finally:
            await history.close()

    oi_page = PROFILES[name].oi_page
    wide = asyncio.run(stamps(PROFILES[name].funding_page, oi_page))
    narrow = asyncio.run(stamps(2, 3 if oi_page else 0))
    assert narrow == wide and len(wide[0]) == 2 * 24 * HOUR // spacing
    assert len(wide[1]) == (48 if oi_page else 0)


def test_deribit_venue_rates_are_each_hours_charge_not_an_8h_figure():
    """What a paper bot on Deribit is charged and what its strategies read (CcxtVenue's
    funding_rates): each hour's interest_1h, as the download stores."""
    server = deribit.DeribitServer(Tape(history=6 * 60))
    thread = ServerThread(lambda: app_with_history("deribit", server)).start()
    start = server.tape.anchor + MINUTE

    async def go():  # noqa: ANN202
        venue = CcxtVenue(PROFILES["deribit"], base_url=thread.url, timeout_s=5)
        try:
            return await venue.funding_rates("BTC-PERPETUAL", start, start + 5 * HOUR)
        finally:
            await venue.close()
    try:
        rates = asyncio.run(go())
        assert len(rates) == 5
        for r in rates:
            with urlopen(f"{thread.url}/api/v2/public/get_funding_rate_history?"
                         f"instrument_name=BTC-PERPETUAL&start_timestamp={r.ts_ms}"
                         f"&end_timestamp={r.ts_ms}") as resp:  # noqa: S310
                row = json.loads(resp.read())["result"][0]
            assert r.rate == pytest.approx(row["interest_1h"])
    finally:
        thread.stop()
