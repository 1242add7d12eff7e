"""Bars.close_ts_ms is computed once per series (a backtest reads one bar's close per
decision; rebuilding the whole array each time cost a quarter of a year-long run)."""

import numpy as np
import pytest

from plutarc.strategy.series import Bars


def test_close_times_are_computed_once_and_read_only():
    ts = np.arange(5, dtype=np.int64) * 60_000
    ones = np.ones(5)
    bars = Bars(60_000, ts, ones, ones, ones, ones, ones)
    first = bars.close_ts_ms
    assert first is bars.close_ts_ms
    assert first.tolist() == (ts + 60_000).tolist()
    with pytest.raises(ValueError):
        first[0] = 0
    assert bars.slice(1, 3).close_ts_ms.tolist() == [120_000, 180_000]
