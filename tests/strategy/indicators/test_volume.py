"""Anchored VWAP and OBV against textbook plain loops on real candles."""

from __future__ import annotations

import numpy as np
import pytest

from plutarc.strategy.indicators import OBV, VWAP
from tests.strategy.indicators.support import assert_close, candles

BARS = candles(3000)  # two UTC midnights: 2024-01-01 00:00 to 2024-01-03 02:00


def vwap_loop(anchor_ms: int) -> list[float]:
    out, period, pv, vol = [], None, 0.0, 0.0
    for i, ts in enumerate(BARS.ts_ms.tolist()):
        if ts // anchor_ms != period:
            period, pv, vol = ts // anchor_ms, 0.0, 0.0
        typical = (BARS.high[i] + BARS.low[i] + BARS.close[i]) / 3
        pv += typical * BARS.volume[i]
        vol += BARS.volume[i]
        out.append(pv / vol)
    return out


@pytest.mark.parametrize("anchor_ms", [86_400_000, 14_400_000, 60_000, 10**13])
def test_vwap_matches_textbook(anchor_ms: int) -> None:
    got = VWAP(anchor_ms).update(BARS.ts_ms, BARS.high, BARS.low, BARS.close, BARS.volume)
    assert_close(got, vwap_loop(anchor_ms), rtol=1e-12)


def test_vwap_restarts_on_the_first_bar_of_each_utc_day() -> None:
    got = VWAP().update(BARS.ts_ms, BARS.high, BARS.low, BARS.close, BARS.volume)
    typical = (BARS.high + BARS.low + BARS.close) / 3
    midnights = np.flatnonzero(BARS.ts_ms % 86_400_000 == 0)
    assert midnights.tolist() == [0, 1440, 2880]
    np.testing.assert_allclose(got[midnights], typical[midnights], rtol=1e-15)


def test_vwap_is_nan_until_its_period_has_volume() -> None:
    ts = np.arange(4) * 60_000
    got = VWAP(120_000).update(ts, [2, 2, 4, 4], [1, 1, 2, 2], [1.5, 1.5, 3, 3], [0, 2, 0, 0])
    assert np.isnan(got[0]) and got[1] == 1.5 and np.isnan(got[2:]).all()


def test_vwap_accepts_integral_float_timestamps() -> None:
    args = (BARS.high[:5], BARS.low[:5], BARS.close[:5], BARS.volume[:5])
    want = VWAP().update(BARS.ts_ms[:5], *args)
    np.testing.assert_array_equal(VWAP().update(BARS.ts_ms[:5].astype(float), *args), want)


def test_obv_matches_textbook() -> None:
    close, volume = BARS.close.tolist(), BARS.volume.tolist()
    want, total = [0.0], 0.0
    for t in range(1, len(close)):
        if close[t] > close[t - 1]:
            total += volume[t]
        elif close[t] < close[t - 1]:
            total -= volume[t]
        want.append(total)
    np.testing.assert_array_equal(OBV().update(BARS.close, BARS.volume), want)
