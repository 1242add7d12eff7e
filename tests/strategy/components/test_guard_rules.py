"""Guards veto the right direction at the right moment, on real BTC data and hand-made
context series; missing venue data never vetoes anything."""

from __future__ import annotations

import numpy as np
import pytest

from plutarc.errors import TemplateError
from plutarc.models import Direction
from plutarc.strategy.context import MarketContext, TimeSeries
from plutarc.strategy.indicators import ADX, ATR, EMA, RSI, Stochastic, Supertrend, ZScore
from plutarc.strategy.series import Bars

EMPTY = MarketContext()
LONG, SHORT = Direction.LONG, Direction.SHORT


@pytest.fixture(scope="module")
def bars(btc_1m):
    return btc_1m.slice(0, 6000)


def with_volume_and_high(bars: Bars, i: int, volume: float | None, high: float | None) -> Bars:
    v, h = bars.volume.copy(), bars.high.copy()
    if volume is not None:
        v[i] = volume
    if high is not None:
        h[i] = high
    return Bars(bars.interval_ms, bars.ts_ms, bars.open, h, bars.low, bars.close, v)


@pytest.mark.parametrize("mode", ["slope", "price"])
def test_counter_trend_veto_on_the_hourly_trend(build, bars_at, mode):
    hourly = bars_at("1h")
    guard = build("counter_trend_veto", period=20, mode=mode, slope_bars=3)
    assert guard.spec.higher_timeframe
    out = guard.update(hourly, EMPTY)
    ema = EMA(20).update(hourly.close)
    if mode == "slope":
        trend = ema[3:] - ema[:-3]
        trend = np.r_[np.full(3, np.nan), trend]
    else:
        trend = hourly.close - ema
    defined = ~np.isnan(trend)
    np.testing.assert_array_equal(out.allow_long[defined], trend[defined] >= 0)
    np.testing.assert_array_equal(out.allow_short[defined], trend[defined] <= 0)
    assert not out.allow_long[~defined].any() and not out.allow_short[~defined].any()
    assert out.allow_long[defined].any() and out.allow_short[defined].any()


def test_counter_trend_veto_in_a_steady_fall(build, path_bars):
    out = build("counter_trend_veto", period=10).update(path_bars([-0.2] * 40), EMPTY)
    assert not out.allow_long[15:].any() and out.allow_short[15:].all()
    assert "trend down" in build("counter_trend_veto").explain(float(out.value[-1]), LONG)



def _slope_atr(bars: Bars, period: int, slope_bars: int, atr: int) -> np.ndarray:
    ema = EMA(period).update(bars.close)
    then = np.r_[np.full(slope_bars, np.nan), ema[:-slope_bars]]
    return (ema - then) / ATR(atr).update(bars.high, bars.low, bars.close) / slope_bars


def test_counter_trend_veto_only_a_hard_slope_in_atrs_vetoes(build, bars_at):
    hourly = bars_at("1h")
    any_trend = build("counter_trend_veto", period=20).update(hourly, EMPTY)
    guard = build("counter_trend_veto", period=20, strength="slope_atr", min_slope_atr=0.1)
    out = guard.update(hourly, EMPTY)
    slope = _slope_atr(hourly, 20, 3, 14)
    np.testing.assert_allclose(out.value, slope, rtol=1e-12)
    defined = ~np.isnan(slope)
    hard = np.abs(slope) >= 0.1
    np.testing.assert_array_equal(out.allow_long[defined], ~((slope < 0) & hard)[defined])
    np.testing.assert_array_equal(out.allow_short[defined], ~((slope > 0) & hard)[defined])
    assert not out.allow_long[~defined].any() and not out.allow_short[~defined].any()
    # On these 14 days some mild down-slopes no longer veto longs, the hard ones still do.
    assert (out.allow_long & ~any_trend.allow_long).any()
    assert (~out.allow_long & defined).any() and (~out.allow_short & defined).any()
    # A zero threshold is the plain rule: every adverse slope vetoes, a flat one nothing.
    zero = build("counter_trend_veto", period=20, strength="slope_atr", min_slope_atr=0.0)
    zero_out = zero.update(hourly, EMPTY)
    both = defined & ~np.isnan(any_trend.value)
    np.testing.assert_array_equal(zero_out.allow_long[both], any_trend.allow_long[both])
    assert "trend down, hard: min_slope_atr 0.100" in guard.explain(-0.1234, LONG)
    assert "HTF EMA slope=-0.123 ATR/bar" in guard.explain(-0.1234, LONG)
    assert "not hard" in guard.explain(0.05, SHORT)


def test_counter_trend_veto_only_a_strong_adx_vetoes(build, bars_at):
    four_hourly = bars_at("4h")
    guard = build("counter_trend_veto", period=10, mode="price", strength="adx", adx_level=25.0)
    out = guard.update(four_hourly, EMPTY)
    ema = EMA(10).update(four_hourly.close)
    adx, _, _ = ADX(14).update(four_hourly.high, four_hourly.low, four_hourly.close)
    trend = four_hourly.close - ema
    defined = ~np.isnan(trend) & ~np.isnan(adx)
    strong = adx >= 25.0
    np.testing.assert_array_equal(out.allow_long[defined], ~((trend < 0) & strong)[defined])
    np.testing.assert_array_equal(out.allow_short[defined], ~((trend > 0) & strong)[defined])
    np.testing.assert_array_equal(np.abs(out.value[defined]), adx[defined])
    assert not out.allow_long[~defined].any()
    # Some adverse closes under a weak ADX pass, some under a strong one are vetoed.
    assert ((trend < 0) & ~strong & out.allow_long)[defined].any()
    assert ((trend < 0) & strong & ~out.allow_long)[defined].any()
    assert guard.explain(-31.25, LONG) == "HTF ADX=31.2 (trend down, hard: adx_level 25.0)"


@pytest.mark.parametrize("strength", ["slope_atr", "adx"])
def test_counter_trend_veto_strength_streams_bar_by_bar(build, bars_at, strength):
    hourly = bars_at("1h").slice(0, 200)
    batch = build("counter_trend_veto", period=20, strength=strength).update(hourly, EMPTY)
    stepper = build("counter_trend_veto", period=20, strength=strength)
    steps = [stepper.update(hourly.slice(i, i + 1), EMPTY) for i in range(len(hourly))]
    for name in ("value", "allow_long", "allow_short"):
        got = np.concatenate([getattr(s, name) for s in steps])
        np.testing.assert_array_equal(got, getattr(batch, name), err_msg=name)
    warm = stepper.spec.warmup(stepper.params)
    assert not np.isnan(batch.value[warm:]).any()


def test_counter_trend_veto_refuses_slope_strength_on_price_mode(build):
    with pytest.raises(TemplateError, match='needs mode = "slope"'):
        build("counter_trend_veto", mode="price", strength="slope_atr")

def test_rsi_exhaustion_vetoes_chasing(build, bars):
    guard = build("rsi_exhaustion")
    out = guard.update(bars, EMPTY)
    rsi = RSI(14).update(bars.close)
    defined = ~np.isnan(rsi)
    np.testing.assert_array_equal(out.allow_long[defined], rsi[defined] < 70)
    np.testing.assert_array_equal(out.allow_short[defined], rsi[defined] > 30)
    assert not out.allow_long.all() and not out.allow_short.all()
    assert guard.explain(74.23, LONG) == "RSI=74.2 >= 70.0"
    assert guard.explain(25.0, SHORT) == "RSI=25.0 <= 30.0"


def test_ema_distance_guard_modes(build, bars):
    trend = build("ema_distance_guard", distance_atr=1.5, mode="trend").update(bars, EMPTY)
    ranging = build("ema_distance_guard", distance_atr=1.5, mode="range").update(bars, EMPTY)
    ema = EMA(20).update(bars.close)
    atr = ATR(14).update(bars.high, bars.low, bars.close)
    d = (bars.close - ema) / atr
    np.testing.assert_allclose(trend.value, d, rtol=1e-15)
    defined = ~np.isnan(d)
    np.testing.assert_array_equal(trend.allow_long[defined], d[defined] <= 1.5)
    np.testing.assert_array_equal(trend.allow_short[defined], d[defined] >= -1.5)
    np.testing.assert_array_equal(ranging.allow_long[defined], np.abs(d[defined]) >= 1.5)
    np.testing.assert_array_equal(ranging.allow_long, ranging.allow_short)
    assert not trend.allow_long.all() and ranging.allow_long.any()
    guard = build("ema_distance_guard", distance_atr=1.5)
    assert guard.explain(2.345, LONG) == "EMA distance=2.35 ATR > 1.50 ATR"


def test_fast_volatility_gate_band(build, bars):
    out = build("fast_volatility_gate", period=10, min_pct=0.03, max_pct=0.08).update(bars, EMPTY)
    returns = np.diff(np.log(bars.close))
    t = 4321
    assert out.value[t] == pytest.approx(returns[t - 10 : t].std(ddof=1) * 100, rel=1e-9)
    inside = (out.value >= 0.03) & (out.value <= 0.08)
    np.testing.assert_array_equal(out.allow_long, inside)
    assert inside.any() and not inside[10:].all()


def test_spread_guard(build, bars):
    guard = build("spread_guard", max_bps=5.0, max_age_s=120)
    window = bars.slice(0, 10)
    closes = window.close_ts_ms
    # Made-up readings: 2 bps, then 8 bps, then nothing for a while (stale).
    spread = TimeSeries(closes[[0, 3]].copy(), np.array([2.0, 8.0]))
    out = guard.update(window, MarketContext(spread_bps=spread))
    assert out.allow_long[:3].all() and not out.allow_long[3:6].any()  # valid for 120 s
    assert np.isnan(out.value[6:]).all() and out.allow_long[6:].all()  # stale: no opinion
    assert guard.explain(8.0, LONG) == "spread=8.0bps >= 5.0bps"
    nothing = build("spread_guard").update(window, EMPTY)
    assert nothing.allow_long.all() and nothing.allow_short.all()


def test_funding_guard_vetoes_the_side_that_pays(build, bars_at, real_context):
    hourly = bars_at("1h").slice(0, 30)
    stamps = hourly.close_ts_ms[[0, 8, 16]].copy()
    funding = TimeSeries(stamps, np.array([0.0006, 0.0001, -0.0007]))  # 0.06%, 0.01%, -0.07%
    guard = build("funding_guard", max_rate_pct=0.05)
    out = guard.update(hourly, MarketContext(funding=funding))
    assert not out.allow_long[0:8].any() and out.allow_short[0:8].all()
    assert out.allow_long[8:16].all() and out.allow_short[8:16].all()
    assert out.allow_long[16:].all() and not out.allow_short[16:26].any()
    assert out.allow_short[26:].all() and np.isnan(out.value[26:]).all()  # older than 9 h
    assert guard.explain(0.06, LONG) == "funding=0.0600% >= 0.0500%"
    assert guard.explain(-0.07, SHORT) == "funding=-0.0700% <= -0.0500%"
    missing = build("funding_guard").update(hourly, EMPTY)
    assert np.isnan(missing.value).all() and missing.allow_long.all() and missing.allow_short.all()
    # Real readings (at most 0.01% per period) against a tight limit.
    hours = bars_at("1h")
    real = build("funding_guard", max_rate_pct=0.004).update(hours, real_context)
    rate_pct = real_context.funding.at(hours.close_ts_ms, 9 * 3_600_000) * 100
    np.testing.assert_array_equal(real.allow_long, ~(rate_pct >= 0.004))
    np.testing.assert_array_equal(real.allow_short, ~(rate_pct <= -0.004))
    assert not real.allow_long.all()


def test_open_interest_guard_vetoes_after_a_surge(build, bars_at, real_context):
    hourly = bars_at("1h").slice(0, 60)
    oi = np.r_[np.full(30, 80_000.0), np.full(30, 92_000.0)]  # +15% at bar 30
    ctx = MarketContext(open_interest=TimeSeries(hourly.close_ts_ms.copy(), oi))
    out = build("open_interest_guard", lookback=24, max_rise_pct=10.0).update(hourly, ctx)
    assert out.allow_long[:30].all()
    assert not out.allow_long[30:54].any() and not out.allow_short[30:54].any()
    assert out.allow_long[54:].all()
    assert np.isnan(build("open_interest_guard").update(hourly, EMPTY).value).all()
    real = build("open_interest_guard", lookback=24, max_rise_pct=3.0)
    real_out = real.update(bars_at("1h"), real_context)
    assert (~np.isnan(real_out.value)).sum() > 200 and not real_out.allow_long.all()


def test_candle_range_guard_holds_for_its_bars(build, bars):
    i = 3000
    atr = ATR(14).update(bars.high, bars.low, bars.close)
    spiked = with_volume_and_high(bars, i, None, bars.high[i] + 20 * atr[i - 1])
    out = build("candle_range_guard", max_atr=8.0, bars=3).update(spiked, EMPTY)
    assert not out.allow_long[i : i + 3].any() and not out.allow_short[i : i + 3].any()
    assert out.allow_long[i - 1] and out.allow_long[i + 3]
    assert out.value[i + 2] == pytest.approx(
        (spiked.high[i] - spiked.low[i]) / atr[i - 1], rel=1e-12
    )


def test_volume_spike_guard(build, bars):
    i = 2500
    spiked = with_volume_and_high(bars, i, bars.volume[i - 50 : i].mean() * 12, None)
    out = build("volume_spike_guard", period=50, max_ratio=10.0).update(spiked, EMPTY)
    assert out.value[i] == pytest.approx(12.0, rel=1e-9)
    assert not out.allow_long[i] and not out.allow_short[i] and out.allow_long[i - 1]


def test_supertrend_alignment_guard(build, bars_at):
    hourly = bars_at("1h")
    guard = build("supertrend_alignment_guard")
    assert guard.spec.higher_timeframe
    out = guard.update(hourly, EMPTY)
    _, direction = Supertrend(10, 3.0).update(hourly.high, hourly.low, hourly.close)
    np.testing.assert_array_equal(out.allow_long, direction > 0)
    np.testing.assert_array_equal(out.allow_short, direction < 0)
    assert out.allow_long.any() and out.allow_short.any()
    assert guard.explain(-1.0, LONG) == "HTF Supertrend direction=-1 (down)"


@pytest.mark.parametrize("cid", ["zscore_extreme_guard", "bollinger_extreme_guard"])
def test_stretch_guards_veto_the_stretched_side(build, bars, cid):
    out = build(cid).update(bars, EMPTY)
    z = ZScore(20).update(bars.close)
    if cid == "zscore_extreme_guard":
        long_vetoed, short_vetoed = z >= 2.5, z <= -2.5
    else:  # %B >= 1 is z >= k (2.0), up to rounding at the band itself
        long_vetoed, short_vetoed = out.value >= 1.0, out.value <= 0.0
        np.testing.assert_allclose(out.value[19:], 0.5 + z[19:] / 4.0, atol=1e-9)
    np.testing.assert_array_equal(out.allow_long[19:], ~long_vetoed[19:])
    np.testing.assert_array_equal(out.allow_short[19:], ~short_vetoed[19:])
    assert long_vetoed.any() and short_vetoed.any()


def test_stochastic_exhaustion(build, bars):
    out = build("stochastic_exhaustion").update(bars, EMPTY)
    k, _ = Stochastic(14, 3, 3).update(bars.high, bars.low, bars.close)
    defined = ~np.isnan(k)
    np.testing.assert_array_equal(out.allow_long[defined], k[defined] < 80)
    np.testing.assert_array_equal(out.allow_short[defined], k[defined] > 20)
    assert not out.allow_long[~defined].any()
