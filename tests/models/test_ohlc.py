"""The one OHLC rule: venue bars whose open lies outside [low, high] are served widened,
open/close kept; bad prices are refused with one sentence naming the bar."""

from __future__ import annotations

import numpy as np
import pytest

from plutarc.errors import DataError
from plutarc.models import Candle
from plutarc.models.ohlc import widen_arrays

MIN = 60_000


def test_bitmex_open_below_low_is_kept_and_low_widened():
    # XBTUSD 2017-01-01T00:01 (fact sheet: ccxt issue #2049): open 968.29 below low 968.49
    c = Candle(0, 968.29, 968.49, 968.49, 968.49, 0.5, MIN)
    assert (c.open, c.close) == (968.29, 968.49)  # the venue's own open is kept
    assert (c.low, c.high) == (968.29, 968.49)


def test_open_above_high_widens_high_and_a_bounded_bar_is_unchanged():
    c = Candle(0, 9860.0, 9855.0, 9854.0, 9855.0, 1.0, MIN)
    assert (c.open, c.high, c.low) == (9860.0, 9860.0, 9854.0)
    same = Candle(0, 100.0, 101.0, 99.0, 100.5, 1.0, MIN)
    assert (same.high, same.low) == (101.0, 99.0)


@pytest.mark.parametrize(("ohlcv", "message"), [
    ((100.0, 99.0, 101.0, 100.0, 1.0), "high 99.0 is below low 101.0"),
    ((0.0, 101.0, 99.0, 100.0, 1.0), "open 0.0 is not a positive price"),
    ((100.0, 101.0, -1.0, 100.0, 1.0), "low -1.0 is not a positive price"),
    ((100.0, float("nan"), 99.0, 100.0, 1.0), "high nan is not a positive price"),
    ((100.0, 101.0, 99.0, float("inf"), 1.0), "close inf is not a positive price"),
    ((100.0, 101.0, 99.0, 100.0, -2.0), "volume -2.0 is not a number >= 0"),
])
def test_bad_bars_are_refused_naming_the_bar(ohlcv, message):
    with pytest.raises(ValueError, match="candle at 1234: " + message.replace("(", r"\(")):
        Candle(1234, *ohlcv, MIN)


def test_arrays_widen_like_candles_and_leave_bounded_arrays_alone():
    o = np.array([100.0, 9853.0, 9860.0])
    h = np.array([101.0, 9860.0, 9855.0])
    lo = np.array([99.0, 9854.0, 9854.0])
    c = np.array([100.5, 9855.0, 9855.0])
    v = np.ones(3)
    high, low = widen_arrays(o, h, lo, c, v, "x.csv")
    for i in range(3):
        one = Candle(i, o[i], h[i], lo[i], c[i], 1.0, MIN)
        assert (high[i], low[i]) == (one.high, one.low)
    h1, lo1 = h[:1], lo[:1]
    got_h, got_lo = widen_arrays(o[:1], h1, lo1, c[:1], v[:1], "x.csv")
    assert got_h is h1 and got_lo is lo1  # nothing to widen: no copies


@pytest.mark.parametrize(("column", "value", "message"), [
    ("high", 98.0, "x.csv: high 98.0 is below low 99.0 at data row 2"),
    ("low", 0.0, "x.csv: low 0.0 at data row 2 is not a positive price"),
    ("close", -5.0, "x.csv: close -5.0 at data row 2 is not a positive price"),
    ("volume", -1.0, "x.csv: volume -1.0 at data row 2 is not a number >= 0"),
])
def test_bad_rows_are_refused_naming_the_row(column, value, message):
    cols = {name: np.array([100.0, 100.0, 100.0]) for name in ("open", "close")}
    cols["high"], cols["low"] = np.full(3, 101.0), np.full(3, 99.0)
    cols["volume"] = np.ones(3)
    cols[column][1] = value
    with pytest.raises(DataError) as caught:
        widen_arrays(cols["open"], cols["high"], cols["low"], cols["close"], cols["volume"],
                     "x.csv")
    assert str(caught.value) == message
