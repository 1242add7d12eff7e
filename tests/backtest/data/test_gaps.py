"""Missing bars are found, reported and never filled."""

from __future__ import annotations

import numpy as np

from plutarc.backtest.data import Gap, describe_gaps, find_gaps, load_candles
from tests.backtest.data.samples import write_cut_binance

JAN1 = 1_704_067_200_000
MIN = 60_000


def test_gaps_are_found_exactly_and_not_filled(tmp_path):
    path = write_cut_binance(tmp_path, (100, 105), (500, 560))
    loaded = load_candles(path, cache_dir=tmp_path / "c")
    assert loaded.gaps == [
        Gap(JAN1 + 100 * MIN, JAN1 + 105 * MIN, 5),
        Gap(JAN1 + 500 * MIN, JAN1 + 560 * MIN, 60),
    ]
    assert len(loaded.bars) == 1000 - 65 and loaded.missing_bars == 65
    assert not np.isin(JAN1 + np.arange(100, 105) * MIN, loaded.bars.ts_ms).any()
    assert loaded.source_interval == "1m"


def test_describe_gaps():
    assert describe_gaps([]) == "no gaps"
    one = [Gap(JAN1 + 100 * MIN, JAN1 + 105 * MIN, 5)]
    assert describe_gaps(one) == (
        "1 gap: 5 bars missing (5m) from 2024-01-01 01:40 UTC until 2024-01-01 01:45 UTC")
    two = [*one, Gap(JAN1 + 500 * MIN, JAN1 + 560 * MIN, 60), Gap(JAN1 + 900 * MIN,
                                                                  JAN1 + 901 * MIN, 1)]
    assert describe_gaps(two) == (
        "3 gaps, 66 bars missing; largest 60 bars (1h) from 2024-01-01 08:20 UTC until "
        "2024-01-01 09:20 UTC")


def test_only_gaps_inside_the_loaded_span_are_reported(tmp_path):
    path = write_cut_binance(tmp_path, (100, 105), (500, 560))
    later = load_candles(path, cache_dir=tmp_path / "c", start=JAN1 + 200 * MIN)
    assert [g.missing_bars for g in later.gaps] == [60]
    earlier = load_candles(path, cache_dir=tmp_path / "c", end=JAN1 + 400 * MIN)
    assert [g.missing_bars for g in earlier.gaps] == [5]
    warm = load_candles(path, cache_dir=tmp_path / "c", start=JAN1 + 200 * MIN, warmup_bars=150)
    assert [g.missing_bars for g in warm.gaps] == [5, 60]  # the warm-up crosses the first gap
    between = load_candles(path, cache_dir=tmp_path / "c", start=JAN1 + 200 * MIN,
                           end=JAN1 + 400 * MIN)
    assert between.gaps == []


def test_a_range_starting_inside_a_gap_begins_at_the_next_bar(tmp_path):
    path = write_cut_binance(tmp_path, (500, 560))
    loaded = load_candles(path, cache_dir=tmp_path / "c", start=JAN1 + 520 * MIN,
                          warmup_bars=3)
    assert loaded.start_ms == JAN1 + 560 * MIN
    np.testing.assert_array_equal(loaded.bars.ts_ms[:3], JAN1 + np.arange(497, 500) * MIN)
    assert loaded.gaps == [Gap(JAN1 + 500 * MIN, JAN1 + 560 * MIN, 60)]


def test_find_gaps_on_a_thin_market():
    ts = JAN1 + np.array([0, 1, 2, 5, 6, 10]) * MIN
    assert find_gaps(ts, MIN) == [Gap(JAN1 + 3 * MIN, JAN1 + 5 * MIN, 2),
                                  Gap(JAN1 + 7 * MIN, JAN1 + 10 * MIN, 3)]
