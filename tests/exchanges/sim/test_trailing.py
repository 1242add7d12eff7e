"""Trailing stops: the level follows the best price of earlier bars; a bar is checked first."""

import pytest

from plutarc.errors import OrderRejected
from plutarc.models import Liquidity, OrderRequest
from tests.exchanges.sim.sim_helpers import BUY, SELL, TRAIL, D, after, engine

ROWS = [
    # open   high   low    close
    (100.0, 100.5, 99.5, 100.0),  # 0: placed at this close -> best 100, level 95
    (100.0, 108.0, 97.0, 107.0),  # 1: low 97 > 95; only after the bar does the level go to 103
    (107.0, 107.5, 103.5, 104.0),  # 2: low 103.5 > 103; best stays 108
    (104.0, 104.5, 102.9, 103.2),  # 3: low 102.9 <= 103: stopped at 103.0
]


def _trail(cid: str, side, qty: str, offset: str, stop: str | None = None) -> OrderRequest:
    return OrderRequest(cid, "BTCUSDT", side, TRAIL, D(qty), trail_offset=D(offset),
                        stop_price=D(stop) if stop else None)


def test_sell_trailing_stop_follows_the_high_and_fills_at_its_level():
    sim, _ = engine(ROWS)
    sim.process_bar(0)
    sim.submit(_trail("t", SELL, "1", "5"), after(0))
    assert sim.process_bar(1) == []  # 97 would hit 108 - 5, but that level did not exist yet
    assert sim.process_bar(2) == []
    (fill,) = sim.process_bar(3)
    assert (fill.price, fill.liquidity) == (D("103.0"), Liquidity.TAKER)


def test_skipped_bars_still_move_the_level():
    sim, _ = engine(ROWS)
    sim.process_bar(0)
    sim.submit(_trail("t", SELL, "1", "5"), after(0))
    assert sim.next_event_bar(1, 4) == 3
    (fill,) = sim.process_bar(3)  # bars 1 and 2 never processed, their highs still count
    assert fill.price == D("103.0")


def test_trailing_stop_gapped_through_fills_at_the_open():
    rows = ROWS[:3] + [(101.0, 101.5, 100.0, 100.5)]  # opens at 101, under the 103 level
    sim, _ = engine(rows)
    sim.process_bar(0)
    sim.submit(_trail("t", SELL, "1", "5"), after(0))
    fills = [f for i in (1, 2, 3) for f in sim.process_bar(i)]
    assert [f.price for f in fills] == [D("101.0")]


def test_buy_trailing_stop_follows_the_low():
    rows = [
        (100.0, 100.5, 99.5, 100.0),  # placed here: best 100, level 102
        (100.0, 101.0, 95.0, 96.0),  # high 101 < 102; then best 95, level 97
        (96.0, 97.5, 95.5, 97.0),  # high 97.5 >= 97: stopped at 97.0
    ]
    sim, _ = engine(rows)
    sim.process_bar(0)
    sim.submit(_trail("t", BUY, "1", "2"), after(0))
    assert sim.process_bar(1) == []
    (fill,) = sim.process_bar(2)
    assert (fill.side, fill.price) == (BUY, D("97.0"))


def test_a_stop_price_sets_the_first_level():
    sim, _ = engine(ROWS)
    sim.process_bar(0)
    sim.submit(_trail("t", SELL, "1", "5", stop="97.5"), after(0))
    (fill,) = sim.process_bar(1)  # level 97.5 set at placement; bar 1's low 97 hits it
    assert fill.price == D("97.5")


def test_trailing_stop_needs_a_price_to_start_from():
    sim, _ = engine(ROWS)
    with pytest.raises(OrderRejected, match="needs a stop price or a last price"):
        sim.submit(_trail("t", SELL, "1", "5"), 0)
    with pytest.raises(OrderRejected, match="trail offset 0.01 < tick 0.1"):
        sim.submit(_trail("u", SELL, "1", "0.01", stop="95"), 0)
