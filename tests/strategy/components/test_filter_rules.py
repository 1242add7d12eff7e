"""Filters pass exactly when their rule holds, on real BTC data, and say so in words."""

from __future__ import annotations

import numpy as np
import pytest

from plutarc.errors import TemplateError
from plutarc.strategy.context import MarketContext
from plutarc.strategy.indicators import ADX, ATR, SMA, Bollinger, Choppiness, Slope

EMPTY = MarketContext()


@pytest.fixture(scope="module")
def bars(btc_1m):
    return btc_1m.slice(0, 6000)


def test_choppiness_regime_rule_and_reason(build, bars):
    out = build("choppiness_regime", period=14, max=55.0).update(bars, EMPTY)
    ci = Choppiness(14).update(bars.high, bars.low, bars.close)
    np.testing.assert_array_equal(out.value, ci)
    np.testing.assert_array_equal(out.allow_long, ci <= 55.0)
    assert out.allow_long.any() and not out.allow_long[14:].all()
    default = build("choppiness_regime")
    assert default.explain(63.1, None) == "CI=63.1 > 61.8"
    assert default.explain(61.8, None) == "CI=61.8 <= 61.8"
    assert "warming up" in default.explain(float("nan"), None)



def test_choppiness_range_mode_wants_consolidation(build, bars):
    """Range mode passes exactly where CI >= min, the mirror of trend mode at one level."""
    ranging = build("choppiness_regime", period=14, mode="range", min=55.0).update(bars, EMPTY)
    trend = build("choppiness_regime", period=14, max=55.0).update(bars, EMPTY)
    ci = Choppiness(14).update(bars.high, bars.low, bars.close)
    np.testing.assert_array_equal(ranging.value, ci)
    np.testing.assert_array_equal(ranging.allow_long, ci >= 55.0)
    np.testing.assert_array_equal(ranging.allow_short, ci >= 55.0)
    defined = ~np.isnan(ci)
    assert not ranging.allow_long[~defined].any()
    off_level = defined & (ci != 55.0)
    np.testing.assert_array_equal(ranging.allow_long[off_level], ~trend.allow_long[off_level])
    assert ranging.allow_long.any() and not ranging.allow_long[14:].all()
    default_range = build("choppiness_regime", mode="range")
    assert default_range.explain(55.04, None) == "CI=55.0 < 61.8"
    assert default_range.explain(70.0, None) == "CI=70.0 >= 61.8"
    # Trend mode ignores min; range mode ignores max.
    assert build("choppiness_regime", min=90.0).explain(50.0, None) == "CI=50.0 <= 61.8"

def test_adx_regime_modes_are_opposites(build, bars):
    trend = build("adx_regime", mode="trend", level=25.0).update(bars, EMPTY)
    ranging = build("adx_regime", mode="range", level=25.0).update(bars, EMPTY)
    adx, _, _ = ADX(14).update(bars.high, bars.low, bars.close)
    np.testing.assert_array_equal(trend.value, adx)
    defined = ~np.isnan(adx)
    assert not trend.allow_long[~defined].any() and not ranging.allow_long[~defined].any()
    off_level = defined & (adx != 25.0)
    np.testing.assert_array_equal(trend.allow_long[off_level], ~ranging.allow_long[off_level])
    assert trend.allow_long.any() and ranging.allow_long.any()
    assert build("adx_regime", mode="trend").explain(18.04, None) == "ADX=18.0 < 25.0"
    assert build("adx_regime", mode="range").explain(31.25, None) == "ADX=31.2 > 25.0"
    assert build("adx_regime", mode="range").explain(12.0, None) == "ADX=12.0 <= 25.0"


def test_bollinger_bandwidth_band(build, bars):
    out = build("bollinger_bandwidth_regime", min_pct=0.2, max_pct=0.5).update(bars, EMPTY)
    bandwidth_pct = Bollinger(20, 2.0).update(bars.close)[3] * 100
    np.testing.assert_array_equal(out.value, bandwidth_pct)
    np.testing.assert_array_equal(out.allow_long, (bandwidth_pct >= 0.2) & (bandwidth_pct <= 0.5))
    assert out.allow_long.any() and not out.allow_long[20:].all()
    f = build("bollinger_bandwidth_regime", min_pct=0.2, max_pct=0.5)
    assert f.explain(0.1234, None) == "bandwidth=0.123% < 0.200%"
    assert f.explain(0.7, None) == "bandwidth=0.700% > 0.500%"


def test_efficiency_ratio_against_a_plain_loop(build, bars):
    n = 20
    trend = build("efficiency_ratio_regime", period=n, level=0.3).update(bars, EMPTY)
    ranging = build("efficiency_ratio_regime", period=n, level=0.3, mode="range")
    ranging_out = ranging.update(bars, EMPTY)
    c = bars.close
    for t in range(n, len(bars), 97):
        path = np.abs(np.diff(c[t - n : t + 1])).sum()
        er = abs(c[t] - c[t - n]) / path
        assert trend.value[t] == pytest.approx(er, rel=1e-12)
        assert trend.allow_long[t] == (er >= 0.3)
        assert ranging_out.allow_long[t] == (er <= 0.3)
    assert np.isnan(trend.value[:n]).all()


def test_atr_percent_band(build, bars):
    out = build("atr_percent_band", min_pct=0.05, max_pct=0.1).update(bars, EMPTY)
    atr_pct = ATR(14).update(bars.high, bars.low, bars.close) / bars.close * 100
    np.testing.assert_allclose(out.value, atr_pct, rtol=1e-15)
    np.testing.assert_array_equal(out.allow_long, (out.value >= 0.05) & (out.value <= 0.1))
    assert out.allow_long.any() and not out.allow_long[20:].all()


def test_volume_filter_compares_with_the_bars_before(build, bars):
    out = build("volume_filter", period=20, min_ratio=1.5).update(bars, EMPTY)
    for t in range(21, len(bars), 89):
        relative = bars.volume[t] / bars.volume[t - 20 : t].mean()
        assert out.value[t] == pytest.approx(relative, rel=1e-9)
        assert out.allow_long[t] == (out.value[t] >= 1.5)
    assert not out.allow_long[:20].any()


def test_volatility_regime_is_a_ratio_of_realised_volatilities(build, bars):
    out = build("volatility_regime", fast=30, slow=240, min_ratio=0.8, max_ratio=1.2)
    res = out.update(bars, EMPTY)
    returns = np.diff(np.log(bars.close))
    t = 3000
    want = returns[t - 30 : t].std(ddof=1) / returns[t - 240 : t].std(ddof=1)
    assert res.value[t] == pytest.approx(want, rel=1e-9)
    np.testing.assert_array_equal(res.allow_long, (res.value >= 0.8) & (res.value <= 1.2))
    with pytest.raises(TemplateError, match="volatility_regime: fast"):
        build("volatility_regime", fast=240, slow=30)


def test_trend_strength_filter_measures_the_regression_move(build, bars):
    out = build("trend_strength_filter", period=30, min_atr=3.0).update(bars, EMPTY)
    slope = Slope(30).update(bars.close)
    atr = ATR(14).update(bars.high, bars.low, bars.close)
    np.testing.assert_allclose(out.value, np.abs(slope) * 29 / atr, rtol=1e-12)
    np.testing.assert_array_equal(out.allow_long, out.value >= 3.0)
    assert out.allow_long.any() and not out.allow_long[30:].all()


def test_band_limits_must_be_ordered(build):
    with pytest.raises(TemplateError, match="min_pct .* must not exceed max_pct"):
        build("atr_percent_band", min_pct=1.0, max_pct=0.5)


def test_filters_use_the_previous_volume_mean_only(build, path_bars):
    # A single huge bar is judged against the calm bars before it, not diluted by itself.
    bars = path_bars([0.1, -0.1] * 15)
    volume = np.ones(len(bars))
    volume[25] = 50.0
    bars = type(bars)(
        bars.interval_ms, bars.ts_ms, bars.open, bars.high, bars.low, bars.close, volume
    )
    out = build("volume_filter", period=20, min_ratio=2.0).update(bars, EMPTY)
    assert out.value[25] == 50.0 and out.allow_long[25]
    assert out.value[26] == pytest.approx(1 / SMA(20).update(volume)[25])
