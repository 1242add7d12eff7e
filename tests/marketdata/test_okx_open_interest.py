"""OKX open-interest history: the local OKX server answers
/api/v5/rubik/stat/contracts/open-interest-history as OKX does (newest first, begin/end
exclusive, at most 100 rows, only the latest 1,440 of a period), and ``data download
--venue okx`` pages it by its own bounds (ccxt's ``until``), not funding's ``after``."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from urllib.request import urlopen

import pytest

from plutarc.exchanges.ccxt.adapter import CcxtVenue
from plutarc.exchanges.okx import PROFILE
from plutarc.intervals import interval_ms
from plutarc.marketdata.ccxt_source import CcxtHistory
from plutarc.marketdata.download import download
from plutarc.marketdata.sources import HistorySource, SourceFacts
from plutarc.marketdata.store import MarketStore
from tests.exchanges.ccxt.replay import okx
from tests.exchanges.ccxt.replay.core import MINUTE, ServerThread, Tape, now_ms
from tests.exchanges.ccxt.replay.history import app_with_history

FIVE = 5 * MINUTE
DAYS = 6  # more than 1,440 five-minute rows (5 days): the oldest are past OKX's horizon


@pytest.fixture(scope="module")
def served():  # noqa: ANN201
    server = okx.OkxServer(Tape(history=DAYS * 1440 + 30))
    thread = ServerThread(lambda: app_with_history("okx", server)).start()
    yield server, thread
    thread.stop()


def _get(url: str) -> dict:
    with urlopen(url, timeout=10) as resp:  # noqa: S310 - the local server only
        return json.loads(resp.read())


def test_server_pages_as_okx_newest_first_exclusive_bounds_100_rows_latest_1440(served):
    server, thread = served
    path = f"{thread.url}/api/v5/rubik/stat/contracts/open-interest-history"
    latest = now_ms() // FIVE * FIVE
    newest = _get(f"{path}?instId=BTC-USDT-SWAP")  # period 5m and limit 100 by default
    stamps = [int(r[0]) for r in newest["data"]]
    assert newest["code"] == "0" and len(stamps) == 100
    assert stamps == list(range(latest, latest - 100 * FIVE, -FIVE))
    assert all(len(r) == 4 for r in newest["data"])  # [ts, oi, oiCcy, oiUsd]
    # begin and end are both exclusive; limit above 100 still gives 100
    lo, hi = latest - 50 * FIVE, latest - 10 * FIVE
    got = _get(f"{path}?instId=BTC-USDT-SWAP&begin={lo}&end={hi}&limit=500")["data"]
    assert [int(r[0]) for r in got] == list(range(hi - FIVE, lo, -FIVE))
    # nothing older than the latest 1,440 rows, however far back begin asks
    oldest = latest - 1439 * FIVE
    far = _get(f"{path}?instId=BTC-USDT-SWAP&begin={server.tape.anchor}"
               f"&end={oldest + 3 * FIVE}")["data"]
    assert [int(r[0]) for r in far] == [oldest + 2 * FIVE, oldest + FIVE, oldest]
    # the same row asked in two pages reads the same
    again = _get(f"{path}?instId=BTC-USDT-SWAP&begin={oldest - FIVE}&end={oldest + FIVE}")
    assert again["data"] == [far[-1]]
    assert _get(f"{path}?instId=NOPE-USDT-SWAP")["code"] == "51001"
    assert _get(f"{path}?instId=BTC-USDT-SWAP&period=7m")["code"] == "51000"
    assert _get(f"{path}?period=1H")["code"] == "50014"


def test_download_pages_oi_by_its_own_bounds_and_reports_the_venue_horizon(served, tmp_path):
    """Six days of 5m open interest from OKX: the rows of the venue's latest 1,440 are all
    stored once, the older ones are not invented, and the report says why they are absent;
    a re-run fetches nothing more."""
    server, thread = served
    prof = dataclasses.replace(PROFILE, oi_timeframe="5m", history_pace_s=0.0)
    assert prof.oi_until == ("until", -1) and prof.history_until == ("after", 0)
    start = server.tape.anchor + MINUTE
    end = start + DAYS * 1440 * MINUTE

    def source() -> HistorySource:
        venue = CcxtVenue(prof, base_url=thread.url, timeout_s=10)
        return HistorySource("okx", CcxtHistory(venue), SourceFacts(
            funding_history=False, oi_history=True, rows_per_request=prof.candle_limit,
            oi_interval="5m", oi_retention_ms=prof.oi_retention * interval_ms("5m")))

    async def run(store: MarketStore):  # noqa: ANN202
        src = source()
        try:
            return await download(store, src, "BTC-USDT-SWAP", "1m", start, end,
                                  funding=False)
        finally:
            await src.close()

    store = MarketStore(tmp_path)
    began = now_ms()
    report = asyncio.run(run(store))
    oi = {s.series: s for s in report.series}["oi"]
    stored = store.read("okx", "BTC-USDT-SWAP", "oi", start, end)
    horizon = began // FIVE * FIVE - 1439 * FIVE
    want = list(range(max(horizon, -(-start // FIVE) * FIVE), end, FIVE))
    assert stored["timestamp"].tolist() == want
    assert "keeps open interest for its last 5 days only" in oi.note
    # values are OKX's oiUsd column of each row
    row = _get(f"{thread.url}/api/v5/rubik/stat/contracts/open-interest-history?"
               f"instId=BTC-USDT-SWAP&begin={want[7] - 1}&end={want[7] + 1}")["data"][0]
    assert stored["sum_open_interest_value"][7] == pytest.approx(float(row[3]))
    again = asyncio.run(run(store))
    assert {s.series: s for s in again.series}["oi"].rows_stored == 0
