"""The running position book (fills then venue rows) and the rolling latency statistics."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES
from plutarc.exchanges.bitmex.latency import LatencyBook, LatencyStats
from plutarc.exchanges.bitmex.parse_market import instrument_from_wire
from plutarc.exchanges.bitmex.positions import PositionBook
from plutarc.exchanges.bitmex.schemas import WireInstrument
from plutarc.models import Fill, Liquidity, Position, Side
from plutarc.models import contract_math as cm

from .conftest import load

D = Decimal
ROWS = {r["symbol"]: r for r in load("http/instrument_active_2021-07-22.json")}
XBTUSD = instrument_from_wire(WireInstrument.of(ROWS["XBTUSD"]), DEFAULT_CURRENCIES)
LTCUSDT = instrument_from_wire(WireInstrument.of(load("http/instrument_ltcusdt_2022-01-14.json")),
                               DEFAULT_CURRENCIES)


def fill(inst, side, qty, price, ts, fee="0"):
    return Fill(f"f{ts}", "c", "o", inst.symbol, side, D(qty), D(price), D(fee),
                inst.settle, Liquidity.TAKER, ts)


@pytest.mark.parametrize("inst", [XBTUSD, LTCUSDT], ids=["inverse", "linear"])
def test_fills_build_the_position_with_contract_maths(inst):
    book = PositionBook()
    book.apply_fill(inst, fill(inst, Side.BUY, 1000, "40000", 1, fee="0.001"))
    pos = book.apply_fill(inst, fill(inst, Side.BUY, 1000, "42000", 2))
    assert pos.qty == 2000
    assert pos.entry_price == cm.average_entry(inst, D(1000), D(40000), D(1000), D(42000))
    flipped = book.apply_fill(inst, fill(inst, Side.SELL, 3000, "41000", 3))
    expected = cm.pnl(inst, D(2000), pos.entry_price, D(41000)) - D("0.001")
    assert flipped.qty == -1000 and flipped.entry_price == D(41000)
    assert flipped.realised_pnl == expected
    flat = book.apply_fill(inst, fill(inst, Side.BUY, 1000, "41000", 4))
    assert flat.is_flat and flat.entry_price is None and book.all() == []


def test_venue_rows_win_and_fills_they_include_are_not_applied_twice():
    book = PositionBook()
    book.set_from_venue(Position("BTCUSD", D(500), D(40000), ts_ms=100))
    assert book.apply_fill(XBTUSD, fill(XBTUSD, Side.BUY, 100, "40000", 100)) is None
    later = book.apply_fill(XBTUSD, fill(XBTUSD, Side.BUY, 100, "40000", 101))
    assert later.qty == 600


def test_latency_quantiles_over_a_rolling_window():
    stats = LatencyStats("x", window=100)
    assert math.isnan(stats.quantile(0.5))
    for v in range(1, 201):  # only the last 100 samples (101..200) count
        stats.record(float(v))
    snap = stats.snapshot()
    assert (snap.count, snap.p50, snap.p99, snap.max) == (200, 150.0, 199.0, 200.0)
    with pytest.raises(ValueError):
        stats.quantile(1.5)
    book = LatencyBook(8)
    book.get("b", "us").record(1.0)
    book.get("a").record(2.0)
    assert [s.name for s in book.snapshots()] == ["a", "b"]
    assert book.get("b").unit == "us"
