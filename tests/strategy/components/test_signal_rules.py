"""Signals do what their rule says: hand-drawn paths for the divergences, plain-loop
references on real BTC data for the others, and the funding/OI signals with and without data."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from plutarc.errors import TemplateError
from plutarc.strategy.context import MarketContext, TimeSeries
from plutarc.strategy.indicators import EMA, RSI, Stochastic, Swings
from plutarc.strategy.series import Bars

EMPTY = MarketContext()
# A gentle rise, a plunge to a swing low on a crushed RSI, a bounce, then a slow slide to
# a slightly LOWER low on a higher RSI: a regular bullish divergence. The low is at bar
# 66 and confirmed 3 bars later.
REGULAR = [0.1] * 30 + [-1.5] * 8 + [0.8] * 8 + [-0.35] * 20 + [0.6] * 10
REGULAR_CONFIRMED_AT = 69
# An uptrend dips to a swing low (bar 44, RSI 65), rallies, and falls hard to a HIGHER low
# (bar 54) on a LOWER RSI (55): a hidden bullish divergence, confirmed at bar 57.
HIDDEN = [0.1] * 30 + [1.0, -0.3] * 6 + [-0.5] * 2 + [1.0] * 6 + [-1.0] * 4 + [0.6] * 10
HIDDEN_CONFIRMED_AT = 57


def mirrored(bars: Bars) -> Bars:
    """The same path upside down: every bullish pattern becomes its bearish twin."""
    return Bars(
        bars.interval_ms,
        bars.ts_ms,
        200 - bars.open,
        200 - bars.low,
        200 - bars.high,
        200 - bars.close,
        bars.volume,
    )


def events(score: np.ndarray) -> dict[int, float]:
    return {int(i): float(score[i]) for i in np.flatnonzero(np.nan_to_num(score) != 0)}


@pytest.mark.parametrize(
    ("steps", "fires", "silent", "at"),
    [
        (REGULAR, "rsi_divergence_regular", "rsi_divergence_hidden", REGULAR_CONFIRMED_AT),
        (HIDDEN, "rsi_divergence_hidden", "rsi_divergence_regular", HIDDEN_CONFIRMED_AT),
    ],
)
def test_divergences_fire_on_their_own_pattern_only(build, path_bars, steps, fires, silent, at):
    bars = path_bars(steps)
    assert events(build(fires).update(bars, EMPTY).score) == {at: 1.0}
    assert events(build(silent).update(bars, EMPTY).score) == {}
    # Upside down, the same pattern is bearish.
    assert events(build(fires).update(mirrored(bars), EMPTY).score) == {at: -1.0}
    assert events(build(silent).update(mirrored(bars), EMPTY).score) == {}


def test_divergence_ignores_pivots_too_far_apart(build, path_bars):
    bars = path_bars(REGULAR)  # the two swing lows are 28 bars apart
    assert events(build("rsi_divergence_regular", max_gap=28).update(bars, EMPTY).score)
    assert events(build("rsi_divergence_regular", max_gap=27).update(bars, EMPTY).score) == {}


@pytest.mark.parametrize("cid", ["rsi_divergence_regular", "rsi_divergence_hidden"])
def test_divergence_matches_a_plain_loop_on_real_data(build, btc_1m, cid):
    bars = btc_1m.slice(0, 6000)
    left, right, n, max_gap = 3, 3, 14, 60
    got = build(cid).update(bars, EMPTY).score
    rsi = RSI(n).update(bars.close)
    pivot_high, pivot_low = Swings(left, right).update(bars.high, bars.low)
    want = np.where(np.arange(len(bars)) >= n + right, 0.0, np.nan)
    hidden = cid.endswith("hidden")
    for pivots, sign in ((pivot_low, 1.0), (pivot_high, -1.0)):
        previous = None
        for t in np.flatnonzero(~np.isnan(pivots)):
            centre = t - right
            if previous is not None and centre - previous[0] <= max_gap:
                # Bullish on lows (sign +1), bearish on highs (sign -1), written for lows:
                price_lower = sign * (pivots[t] - previous[1]) < 0
                rsi_lower = sign * (rsi[centre] - previous[2]) < 0
                price_higher = sign * (pivots[t] - previous[1]) > 0
                rsi_higher = sign * (rsi[centre] - previous[2]) > 0
                hit = (price_higher and rsi_lower) if hidden else (price_lower and rsi_higher)
                if hit:
                    want[t] += sign
            previous = (centre, pivots[t], rsi[centre])
    np.testing.assert_array_equal(got, want)
    assert np.count_nonzero(np.nan_to_num(got)) > 20  # real data has plenty of them
    # Pivot pairs straddle chunk boundaries: uneven chunks must give the same events.
    cuts = np.r_[0, np.cumsum(np.resize([1, 7, 2, 131, 3, 64], 200))]
    cuts = np.r_[cuts[cuts < len(bars)], len(bars)]
    streamed = build(cid)
    chunked = [streamed.update(bars.slice(a, b), EMPTY).score for a, b in pairwise(cuts)]
    np.testing.assert_array_equal(np.concatenate(chunked), got)


def test_micro_momentum_follows_the_ema_slope(build, btc_1m):
    bars = btc_1m.slice(0, 3000)
    out = build("micro_momentum", ema=5, slope_bars=3).update(bars, EMPTY)
    ema = EMA(5).update(bars.close)
    rise = ema[3:] - ema[:-3]
    score = out.score[3:]
    defined = ~np.isnan(score)
    np.testing.assert_array_equal(np.sign(score[defined]), np.sign(rise[defined]))
    assert np.abs(score[defined]).max() < 1.0


def test_micro_momentum_is_zero_not_nan_on_a_dead_market(build, path_bars):
    bars = path_bars([0.0] * 60)  # no movement at all: ATR is just the wicks
    out = build("micro_momentum").update(bars, EMPTY)
    assert np.all(out.score[20:] == 0.0)


def test_donchian_breakout_matches_a_plain_loop(build, btc_1m):
    bars = btc_1m.slice(0, 3000)
    n = 20
    got = build("donchian_breakout", period=n).update(bars, EMPTY).score
    for t in range(len(bars)):
        if t < n:
            assert np.isnan(got[t])
            continue
        prior_high = bars.high[t - n : t].max()
        prior_low = bars.low[t - n : t].min()
        want = 1.0 if bars.close[t] > prior_high else -1.0 if bars.close[t] < prior_low else 0.0
        assert got[t] == want, t


def test_rsi_level_leans_against_extremes(build, btc_1m):
    bars = btc_1m.slice(0, 5000)
    out = build("rsi_level", oversold=25.0, overbought=75.0).update(bars, EMPTY)
    rsi = RSI(14).update(bars.close)
    np.testing.assert_array_equal(out.value, rsi)
    defined = ~np.isnan(rsi)
    np.testing.assert_array_equal(out.score[defined] == 1.0, rsi[defined] <= 25.0)
    np.testing.assert_array_equal(out.score[defined] == -1.0, rsi[defined] >= 75.0)


def test_stochastic_cross_needs_the_zone(build, btc_1m):
    bars = btc_1m.slice(0, 5000)
    score = build("stochastic_cross").update(bars, EMPTY).score
    k, d = Stochastic(14, 3, 3).update(bars.high, bars.low, bars.close)
    for t in np.flatnonzero(score == 1.0):
        assert k[t] > d[t] and k[t - 1] <= d[t - 1] and d[t] <= 20.0
    for t in np.flatnonzero(score == -1.0):
        assert k[t] < d[t] and k[t - 1] >= d[t - 1] and d[t] >= 80.0
    up_crosses = np.flatnonzero((k[1:] > d[1:]) & (k[:-1] <= d[:-1])) + 1
    assert (score == 1.0).sum() < up_crosses.size  # the zone really filters


def test_funding_signal_is_contrarian_and_silent_without_data(build, bars_at, real_context):
    bars = bars_at("1h")
    signal = build("funding_rate_signal")
    quiet = signal.update(bars, EMPTY)
    assert np.isnan(quiet.value).all() and np.isnan(quiet.score).all()
    out = build("funding_rate_signal").update(bars, real_context)
    rate_pct = real_context.funding.at(bars.close_ts_ms) * 100
    np.testing.assert_allclose(out.value, rate_pct)
    assert np.all(np.sign(out.score) == -np.sign(rate_pct))
    assert (out.score > 0).any() and (out.score < 0).any()


def test_funding_signal_ignores_stale_readings(build, bars_at):
    bars = bars_at("1h").slice(0, 48)
    start = int(bars.ts_ms[0])
    ctx = MarketContext(funding=TimeSeries(np.array([start], np.int64), np.array([0.0003])))
    out = build("funding_rate_signal", max_age_h=9).update(bars, ctx)
    age_h = (bars.close_ts_ms - start) / 3_600_000
    assert np.all(out.score[age_h <= 9] == pytest.approx(-np.tanh(3.0)))
    assert np.isnan(out.score[age_h > 9]).all()


def _oi_context(bars: Bars, growth_per_hour: np.ndarray) -> MarketContext:
    """Open interest stamped at every hourly close, growing by the given fractions."""
    oi = 80_000.0 * np.cumprod(1.0 + growth_per_hour)
    return MarketContext(open_interest=TimeSeries(bars.close_ts_ms.copy(), oi))


def test_open_interest_momentum_confirms_with_new_positions(build, bars_at):
    bars = bars_at("1h").slice(0, 120)
    price_up = np.sign(bars.close[4:] - bars.close[:-4])
    rising = build("open_interest_momentum", lookback=4)
    score = rising.update(bars, _oi_context(bars, np.full(len(bars), 0.01))).score
    assert np.isnan(score[:4]).all()
    np.testing.assert_array_equal(np.sign(score[4:]), price_up)  # rising OI backs the move
    falling = build("open_interest_momentum", lookback=4)
    score = falling.update(bars, _oi_context(bars, np.full(len(bars), -0.01))).score
    assert np.all(score[4:] == 0.0)  # positions closing: no opinion either way
    assert np.isnan(build("open_interest_momentum").update(bars, EMPTY).score).all()


@pytest.mark.parametrize(
    ("cid", "params", "words"),
    [
        ("rsi_level", {"oversold": 70.0, "overbought": 30.0}, "oversold (70.0) must be below"),
        ("macd_cross", {"fast": 26, "slow": 12}, "fast (26) must be shorter than slow (12)"),
        ("stochastic_cross", {"oversold": 90.0}, "oversold (90.0) must be below"),
    ],
)
def test_contradictory_parameters_are_refused(build, cid, params, words):
    with pytest.raises(TemplateError, match=rf"^{cid}: .*") as err:
        build(cid, **params)
    assert words in str(err.value)
