"""The sim venue's timeline applies the one OHLC rule to whole bar series, like candles."""

from __future__ import annotations

import numpy as np
import pytest

from plutarc.errors import DataError
from plutarc.exchanges.sim.timeline import Timeline
from plutarc.strategy.series import Bars

MIN = 60_000


def bars(open_: list[float], high: list[float], low: list[float]) -> Bars:
    n = len(open_)
    f = lambda v: np.array(v, np.float64)  # noqa: E731
    return Bars(MIN, np.arange(n, dtype=np.int64) * MIN, f(open_), f(high), f(low),
                f([9855.0] * n), np.ones(n))


def test_set_widens_bins_whose_open_is_outside_their_range():
    raw = bars([9855.0, 9853.0], [9856.0, 9860.0], [9854.0, 9854.0])
    tl = Timeline()
    tl.set(raw)
    assert list(tl.open) == [9855.0, 9853.0] and list(tl.low) == [9854.0, 9853.0]
    assert list(raw.low) == [9854.0, 9854.0]  # the caller's arrays are not written


def test_set_refuses_high_below_low():
    with pytest.raises(DataError, match="bars: high 9850.0 is below low 9854.0 at data row 2"):
        Timeline().set(bars([9855.0, 9853.0], [9856.0, 9850.0], [9854.0, 9854.0]))
