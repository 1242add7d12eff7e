"""Candles: end-stamped bins to open time, paging, no partial bin, synthesised intervals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from plutarc.errors import UsageError
from plutarc.exchanges.bitmex.candles import (
    CandleSynth,
    fetch_candles,
    fetch_native,
    native_interval,
    synthesise,
)
from plutarc.exchanges.bitmex.timestamps import ms_to_iso
from plutarc.exchanges.bitmex_sim.config import BUNDLED_BTC_1M
from plutarc.exchanges.bitmex_sim.market import ReplayMarket
from plutarc.exchanges.bitmex_sim.market_data import bin_row, trade_bins
from plutarc.strategy.series import Bars, resample

from .conftest import load

XBTUSD_ROW = next(r for r in load("http/instrument_active_2021-07-22.json")
                  if r["symbol"] == "XBTUSD")
H = 3_600_000


class BucketStub:
    """GET /trade/bucketed over real replayed bars; optionally appends the live bin even
    when partial=false (a misbehaving venue) to prove the adapter still drops it."""

    def __init__(self, market: ReplayMarket, leak_partial: bool = False) -> None:
        self.market = market
        self.leak_partial = leak_partial
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        assert path == "/trade/bucketed" and params["partial"] is False
        self.calls.append(params)
        rows = trade_bins(XBTUSD_ROW, self.market, dict(params), 1000)
        if self.leak_partial:
            rows.append(bin_row(XBTUSD_ROW, self.market.partial_bin(params["binSize"])))
        return rows


@pytest.fixture(scope="module")
def market() -> ReplayMarket:
    return ReplayMarket(BUNDLED_BTC_1M, 2880)


async def test_native_bins_become_open_stamped_closed_candles(market):
    stub = BucketStub(market, leak_partial=True)
    now = market.now_ms
    candles = await fetch_native(stub, "XBTUSD", "5m", now - H, now + H, now, 1000)
    assert len(candles) == 12
    assert candles[0].ts_ms == now - H and candles[-1].close_ts_ms == now
    assert all(c.close_ts_ms <= now for c in candles)  # the leaked live bin is not counted
    assert stub.calls[0]["startTime"] == ms_to_iso(now - H + 300_000)  # first bin END


async def test_paging_advances_start_time_without_gaps_or_repeats(market):
    stub = BucketStub(market)
    now = market.now_ms
    candles = await fetch_native(stub, "XBTUSD", "1m", now - 30 * 60_000, now, now, 7)
    opens = [c.ts_ms for c in candles]
    assert opens == list(range(now - 30 * 60_000, now, 60_000))
    assert len(stub.calls) == 5


async def test_synthesised_15m_matches_resampled_1m(market):
    stub = BucketStub(market)
    now = market.now_ms
    start = now - 6 * H + 7 * 60_000  # not aligned: the first whole 15m group starts later
    got = await fetch_candles(stub, "XBTUSD", "15m", start, now, now, 1000)
    ones = await fetch_native(stub, "XBTUSD", "1m", now - 7 * H, now, now, 1000)
    want = resample(Bars.from_candles(ones, 60_000), 15 * 60_000)
    want_opens = [int(t) for t in want.ts_ms if start <= t < now]
    assert [c.ts_ms for c in got] == want_opens
    for candle in got:
        i = int(np.searchsorted(want.ts_ms, candle.ts_ms))
        assert (candle.open, candle.high, candle.low, candle.close) == (
            want.open[i], want.high[i], want.low[i], want.close[i])
        # contracts are whole numbers per bin: 5m and 1m bins round separately
        assert candle.volume == pytest.approx(want.volume[i], abs=8)


async def test_incomplete_trailing_group_is_never_emitted(market):
    stub = BucketStub(market)
    now = market.now_ms + 40 * 60_000  # pretend our clock is 40 min past the replay
    market.advance(40)
    try:
        got = await fetch_candles(stub, "XBTUSD", "1h", now - 3 * H, now + H, now, 1000)
    finally:
        market.cursor -= 40
    assert got[-1].close_ts_ms == now - 40 * 60_000  # the running hour is absent
    assert all(c.close_ts_ms % H == 0 for c in got)


async def test_streaming_synthesis_equals_batch(market):
    stub = BucketStub(market)
    now = market.now_ms
    fives = await fetch_native(stub, "XBTUSD", "5m", now - 12 * H, now, now, 1000)
    del fives[40]  # a missing bin: its group still closes once time has passed it
    batch = synthesise(fives, 300_000, 4 * H, now - 12 * H, now)
    synth = CandleSynth(300_000, 4 * H)
    streamed = [c for five in fives for c in synth.push(five)]
    assert streamed == batch and len(batch) == 3
    assert synth.push(fives[-1]) == []  # a repeated bin changes nothing


def test_interval_names():
    assert native_interval("4h") == "1h" and native_interval("3m") == "1m"
    assert native_interval("30m") == "5m" and native_interval("1d") == "1d"
    with pytest.raises(UsageError, match="no '2m' candles"):
        native_interval("2m")
