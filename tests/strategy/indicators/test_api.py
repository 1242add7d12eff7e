"""The public surface: exports, bad parameters and bad inputs rejected with clear messages,
and the documented values on flat (zero-range) markets."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import plutarc.strategy.indicators as ind

EXPECTED = {
    "ADX", "ATR", "Bollinger", "CCI", "Choppiness", "Donchian", "EMA", "Keltner", "MACD",
    "OBV", "ROC", "RSI", "RealizedVol", "SMA", "Slope", "Stochastic", "Supertrend",
    "Swings", "TrueRange", "VWAP", "WMA", "ZScore",
}  # fmt: skip


def test_exports_are_exactly_the_indicators_and_sorted() -> None:
    assert ind.__all__ == sorted(ind.__all__)
    assert set(ind.__all__) == EXPECTED
    assert all(isinstance(getattr(ind, name), type) for name in ind.__all__)


BAD_PARAMETERS = [
    (lambda: ind.EMA(0), "EMA: period n must be an integer >= 1, got 0"),
    (lambda: ind.SMA(-3), "SMA: period n must be an integer >= 1, got -3"),
    (lambda: ind.WMA(2.5), "WMA: period n must be an integer >= 1, got 2.5"),
    (lambda: ind.RSI(True), "RSI: period n must be an integer >= 1, got True"),
    (lambda: ind.ATR(0), "ATR: period n must be an integer >= 1"),
    (lambda: ind.ADX("14"), "ADX: period n must be an integer >= 1, got '14'"),
    (lambda: ind.Bollinger(20, 0.0), "Bollinger: width k must be a finite number > 0"),
    (lambda: ind.Bollinger(20, float("nan")), "Bollinger: width k must be a finite number"),
    (lambda: ind.Keltner(20, 2.0, 0), "Keltner: ATR period atr_n must be an integer >= 1"),
    (lambda: ind.Keltner(20, -1.0), "Keltner: width k must be a finite number > 0"),
    (lambda: ind.Donchian(0), "Donchian: period n must be an integer >= 1"),
    (lambda: ind.MACD(26, 12), "MACD: fast period must be shorter than slow, got 26 >= 12"),
    (lambda: ind.MACD(12, 26, 0), "MACD: signal period must be an integer >= 1"),
    (lambda: ind.Stochastic(14, 0), "Stochastic: %D period d must be an integer >= 1"),
    (lambda: ind.Stochastic(14, 3, 0), "Stochastic: %K smoothing must be an integer >= 1"),
    (lambda: ind.CCI(1), "CCI: period n must be an integer >= 2, got 1"),
    (lambda: ind.Choppiness(1), "Choppiness: period n must be an integer >= 2"),
    (lambda: ind.RealizedVol(1), "RealizedVol: period n must be an integer >= 2"),
    (lambda: ind.ZScore(1), "ZScore: period n must be an integer >= 2"),
    (lambda: ind.VWAP(0), "VWAP: anchor_ms must be an integer >= 1"),
    (lambda: ind.Supertrend(10, 0), "Supertrend: multiplier mult must be a finite number > 0"),
    (lambda: ind.Swings(0, 5), "Swings: left must be an integer >= 1, got 0"),
    (lambda: ind.Swings(5, -1), "Swings: right must be an integer >= 0, got -1"),
    (lambda: ind.ROC(0), "ROC: period n must be an integer >= 1"),
    (lambda: ind.Slope(1), "Slope: period n must be an integer >= 2"),
]


@pytest.mark.parametrize(("make", "message"), BAD_PARAMETERS)
def test_bad_parameters_raise_a_clear_value_error(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        make()
    assert str(caught.value).startswith(message)


def test_numpy_integers_are_accepted() -> None:
    assert ind.SMA(np.int64(5)).n == 5


def test_inputs_of_different_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"ATR.update: high, low and close must have the same"):
        ind.ATR(3).update(np.ones(4), np.ones(4), np.ones(3))
    with pytest.raises(ValueError, match=r"VWAP.update: ts_ms has 2 bars but the prices have 3"):
        ind.VWAP().update([0, 60_000], np.ones(3), np.ones(3), np.ones(3), np.ones(3))


def test_two_dimensional_input_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"EMA.update expects 1-D arrays.*\(2, 2\)"):
        ind.EMA(3).update(np.ones((2, 2)))


def test_vwap_rejects_time_going_backwards_and_fractional_ms() -> None:
    vwap, one = ind.VWAP(), np.ones(2)
    vwap.update([60_000, 120_000], one, one, one, one)
    with pytest.raises(ValueError, match="ts_ms must not go backwards"):
        vwap.update([60_000, 180_000], one, one, one, one)
    with pytest.raises(ValueError, match="ts_ms must not go backwards"):
        ind.VWAP().update([120_000, 60_000], one, one, one, one)
    with pytest.raises(ValueError, match="ts_ms must be whole milliseconds"):
        ind.VWAP().update([0.5, 1.0], one, one, one, one)


def test_flat_market_values() -> None:
    flat = np.full(80, 100.0)
    assert (ind.RSI(14).update(flat)[14:] == 50.0).all()
    k, d = ind.Stochastic(14, 3, 3).update(flat, flat, flat)
    assert (k[15:] == 50.0).all() and (d[17:] == 50.0).all()
    assert (ind.CCI(20).update(flat, flat, flat)[19:] == 0.0).all()
    adx, plus_di, minus_di = ind.ADX(14).update(flat, flat, flat)
    assert (adx[27:] == 0.0).all() and (plus_di[14:] == 0.0).all() and (minus_di[14:] == 0).all()
    assert np.isnan(ind.Choppiness(14).update(flat, flat, flat)).all()
    line, direction = ind.Supertrend(10, 3.0).update(flat, flat, flat)
    assert (line[9:] == 100.0).all() and (direction[9:] == -1.0).all()
    assert (ind.Slope(10).update(flat)[9:] == 0.0).all()


@pytest.mark.parametrize(
    "make",
    [lambda: ind.EMA(5), lambda: ind.RSI(6), lambda: ind.SMA(4), lambda: ind.ZScore(5)],
)
def test_a_leading_warm_up_is_skipped_not_absorbed(make: Callable[[], object]) -> None:
    # Chained indicators see their input's warm-up NaNs first: the result must be the
    # indicator of the defined part, shifted, never NaN forever.
    x = 100 + np.cumsum(np.random.default_rng(5).normal(0, 1, 200))
    led = np.concatenate((np.full(13, np.nan), x))
    got = make().update(led)  # type: ignore[attr-defined]
    np.testing.assert_array_equal(got[:13], np.nan)
    np.testing.assert_allclose(got[13:], make().update(x), rtol=1e-13)  # type: ignore[attr-defined]


def test_macd_of_a_series_with_a_warm_up() -> None:
    x = 100 + np.cumsum(np.random.default_rng(6).normal(0, 1, 200))
    led = np.concatenate((np.full(7, np.nan), x))
    for got, want in zip(ind.MACD(3, 8, 4).update(led), ind.MACD(3, 8, 4).update(x), strict=True):
        np.testing.assert_array_equal(got[:7], np.nan)
        np.testing.assert_array_equal(got[7:], want)
