"""Conformance: real BitMEX bins (open = previous close, often outside the bin's own
high/low; volume in contracts beside homeNotional in base units) through the REST parser,
the live feed and the local server, which must serve such bins as the real venue does;
and the funding fields of a real instrument row."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from plutarc.errors import DataError
from plutarc.exchanges.base import FundingRate
from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.latency import LatencyBook
from plutarc.exchanges.bitmex.parse_market import candle_from_bin, funding_pair
from plutarc.exchanges.bitmex.schemas import WireInstrument, WireTradeBin
from plutarc.exchanges.bitmex.timestamps import iso_to_ms, ms_to_iso
from plutarc.exchanges.bitmex_sim import SimServer
from plutarc.exchanges.bitmex_sim.market import ReplayMarket
from plutarc.exchanges.bitmex_sim.market_data import trade_bins

from .conftest import adapter_for, load, sim_config

MIN = 60_000
XBTUSD_ROW = next(r for r in load("http/instrument_active_2021-07-22.json")
                  if r["symbol"] == "XBTUSD")


def fact_sheet_bins() -> list[dict]:
    """The quoted rows, completed as the narrowest bin consistent with them: every trade
    at the quoted low (high = close = low); a test-made end time where none is quoted."""
    rows = []
    for i, quoted in enumerate(load("http/trade_bins_open_outside_range.json")["rows"]):
        low = quoted["low"]
        rows.append({"timestamp": quoted.get("timestamp", f"2020-05-0{i + 1}T00:01:00.000Z"),
                     "symbol": quoted["symbol"], "open": quoted["open"], "high": low,
                     "low": low, "close": low, "trades": 1, "volume": 100, "vwap": low,
                     "lastSize": 100, "turnover": None, "homeNotional": 100 / low,
                     "foreignNotional": 100})
    return rows


@pytest.mark.parametrize("row", fact_sheet_bins(), ids=["2017-968.29", "9853-9854"])
def test_rest_parser_keeps_the_open_and_widens_the_low(row):
    assert row["open"] < row["low"]  # as recorded: the open lies below every trade
    candle = candle_from_bin(WireTradeBin.of(row), MIN)
    assert candle.open == row["open"] and candle.close == row["close"]
    assert candle.low == row["open"] and candle.high == row["high"]


def collecting_feed() -> tuple[Feed, list]:
    feed = Feed(DEFAULT_CURRENCIES, LatencyBook(16))
    got: list = []
    feed.broadcast_for("XBTUSD", "1m").publish = got.append  # type: ignore[method-assign]
    feed.on_frame({"table": "tradeBin1m", "action": "partial", "keys": [], "data": []}, 0)
    return feed, got


def test_live_feed_publishes_open_outside_range_bins():
    feed, got = collecting_feed()
    rows = fact_sheet_bins()
    for row in rows:
        feed.on_frame({"table": "tradeBin1m", "action": "insert", "data": [row]}, 0)
    assert [c.open for c in got] == [r["open"] for r in rows]
    assert [c.low for c in got] == [r["open"] for r in rows]


def test_candle_volume_is_base_units_from_home_notional():
    # real tradeBin1m row (nautilus ws_trade_bin_1m.json): 84,000 contracts = 0.8609776 BTC
    row = load("ws/ws_trade_bin_1m.json")
    assert candle_from_bin(WireTradeBin.of(row), MIN).volume == row["homeNotional"]
    feed, got = collecting_feed()
    feed.on_frame({"table": "tradeBin1m", "action": "insert", "data": [row]}, 0)
    assert got[0].volume == pytest.approx(0.8609776)
    empty = {**row, "volume": 0, "homeNotional": None, "trades": 0}
    assert candle_from_bin(WireTradeBin.of(empty), MIN).volume == 0.0
    with pytest.raises(DataError, match="homeNotional missing"):
        candle_from_bin(WireTradeBin.of({**row, "homeNotional": None}), MIN)


def test_bad_bins_are_still_refused_by_name():
    row = load("ws/ws_trade_bin_1m.json")
    with pytest.raises(DataError, match=r"XBTUSD bin ending 2024-11-23T20:07:00.000Z: "
                                        r"candle at \d+: high 97000.0 is below low 97550.0"):
        candle_from_bin(WireTradeBin.of({**row, "high": 97000.0}), MIN)
    with pytest.raises(DataError, match="open 0.0 is not a positive price"):
        candle_from_bin(WireTradeBin.of({**row, "open": 0.0}), MIN)


def outside_bars(market: ReplayMarket) -> np.ndarray:
    return np.flatnonzero((market.open < market.low) | (market.open > market.high))


def test_local_server_serves_bins_with_the_open_outside_their_range():
    config = sim_config()
    market = ReplayMarket(config.replay["XBTUSD"], 1440)
    market.advance(market.n - market.cursor)
    bad = outside_bars(market)
    assert len(bad) > 10  # real 2024 data, open = previous close: routine, not rare
    i = int(bad[0])
    start = int(market.ts[i])
    end = ms_to_iso(start + MIN)
    (served,) = trade_bins(XBTUSD_ROW, market, {"binSize": "1m", "startTime": end,
                                                 "endTime": end}, 1000)
    assert served["open"] == market.close[i - 1]  # BitMEX: open = previous close
    assert not served["low"] <= served["open"] <= served["high"]


async def test_warm_up_and_live_stream_take_such_bins_from_the_server():
    async with SimServer(sim_config()) as server:
        market = server.exchange.venues["XBTUSD"].market
        bad = [int(i) for i in outside_bars(market) if i >= market.cursor]
        target = bad[0]
        venue = adapter_for(server)
        try:
            ones = venue.stream_candles("BTCUSD", "1m")
            first = asyncio.ensure_future(anext(ones))
            await asyncio.sleep(0.3)
            await venue.wait_streams_live()
            server.advance(target - market.cursor + 1)
            want = int(market.ts[target])
            streamed = [await asyncio.wait_for(first, 3)]
            while streamed[-1].ts_ms < want:
                streamed.append(await asyncio.wait_for(anext(ones), 3))
            live = streamed[-1]
            rest = await venue.candles("BTCUSD", "1m", want - 5 * MIN, want + MIN)
        finally:
            await venue.close()
    for candle in (live, rest[-1]):
        assert candle.ts_ms == want
        assert candle.open == market.close[target - 1]
        assert candle.low == min(market.low[target], candle.open)
        assert candle.high == max(market.high[target], candle.open)


def test_indicative_funding_rate_belongs_to_the_following_funding_time():
    # live capture 2021-07-22 22:36: fundingRate 0.0001 paid 2021-07-23T04:00, interval 8h
    wire = WireInstrument.of(XBTUSD_ROW)
    current, following = funding_pair(wire, "BTCUSD")
    assert current.ts_ms == iso_to_ms("2021-07-23T04:00:00.000Z") and current.rate == 0.0001
    assert following.ts_ms == iso_to_ms("2021-07-23T12:00:00.000Z")
    assert following.rate == XBTUSD_ROW["indicativeFundingRate"]
    daily = WireInstrument.of({**XBTUSD_ROW, "fundingInterval": "2000-01-02T00:00:00.000Z",
                               "indicativeFundingRate": -0.0003})
    assert funding_pair(daily, "BTCUSD")[1] == FundingRate(
        "BTCUSD", iso_to_ms("2021-07-24T04:00:00.000Z"), -0.0003)


async def test_current_funding_from_the_server_stamps_the_following_period(adapter):
    current, following = await adapter.current_funding("BTCUSD")
    assert following.ts_ms - current.ts_ms == 8 * 3_600_000
