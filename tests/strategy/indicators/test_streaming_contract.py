"""Every indicator: one batch call == one bar at a time == random chunks, bit for bit, and
no look-ahead (a prefix gives the same values as the whole series), on real candles."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import plutarc.strategy.indicators as ind
from tests.strategy.indicators.support import candles

HLC = ("high", "low", "close")


class EmaOfRsi:
    """A chained pair: the EMA must start where the RSI's warm-up ends."""

    def __init__(self) -> None:
        self._rsi, self._ema = ind.RSI(14), ind.EMA(5)

    def update(self, close: np.ndarray) -> np.ndarray:
        return self._ema.update(self._rsi.update(close))


# name -> (factory, input columns); small and default periods, so warm-ups are crossed often
CASES: dict[str, tuple[Callable[[], object], tuple[str, ...]]] = {
    "EMA": (lambda: ind.EMA(20), ("close",)),
    "SMA": (lambda: ind.SMA(20), ("close",)),
    "SMA_short": (lambda: ind.SMA(3), ("close",)),
    "WMA": (lambda: ind.WMA(10), ("close",)),
    "RSI": (lambda: ind.RSI(14), ("close",)),
    "TrueRange": (ind.TrueRange, HLC),
    "ATR": (lambda: ind.ATR(14), HLC),
    "ADX": (lambda: ind.ADX(14), HLC),
    "Bollinger": (lambda: ind.Bollinger(20, 2.0), ("close",)),
    "Keltner": (lambda: ind.Keltner(20, 2.0, 10), HLC),
    "Donchian": (lambda: ind.Donchian(20), ("high", "low")),
    "MACD": (lambda: ind.MACD(12, 26, 9), ("close",)),
    "Stochastic": (lambda: ind.Stochastic(14, 3, 3), HLC),
    "CCI": (lambda: ind.CCI(20), HLC),
    "Choppiness": (lambda: ind.Choppiness(14), HLC),
    "RealizedVol": (lambda: ind.RealizedVol(30), ("close",)),
    "ZScore": (lambda: ind.ZScore(20), ("close",)),
    "VWAP": (lambda: ind.VWAP(), ("ts_ms", *HLC, "volume")),
    "VWAP_15m": (lambda: ind.VWAP(900_000), ("ts_ms", *HLC, "volume")),
    "OBV": (ind.OBV, ("close", "volume")),
    "Supertrend": (lambda: ind.Supertrend(10, 3.0), HLC),
    "Swings": (lambda: ind.Swings(5, 5), ("high", "low")),
    "Swings_right0": (lambda: ind.Swings(3, 0), ("high", "low")),
    "ROC": (lambda: ind.ROC(10), ("close",)),
    "Slope": (lambda: ind.Slope(20), ("close",)),
    "EMA_of_RSI": (EmaOfRsi, ("close",)),
}

# VWAP resets daily: use more than a day of bars so chunks straddle a UTC midnight.
BARS = candles(3000)
STEP_BARS = 1600


def _inputs(columns: tuple[str, ...], stop: int | None = None) -> list[np.ndarray]:
    return [getattr(BARS, c)[:stop] for c in columns]


def _outputs(result: object) -> tuple[np.ndarray, ...]:
    return result if isinstance(result, tuple) else (result,)  # type: ignore[return-value]


def _run_chunks(name: str, bounds: list[int]) -> tuple[np.ndarray, ...]:
    factory, columns = CASES[name]
    indicator = factory()
    data = _inputs(columns)
    parts = [
        _outputs(indicator.update(*(col[a:b] for col in data)))  # type: ignore[attr-defined]
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True))


def _batch(name: str, stop: int | None = None) -> tuple[np.ndarray, ...]:
    factory, columns = CASES[name]
    return _outputs(factory().update(*_inputs(columns, stop)))  # type: ignore[attr-defined]


def _assert_same(got: tuple[np.ndarray, ...], want: tuple[np.ndarray, ...]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.float64 and g.shape == w.shape
        np.testing.assert_array_equal(g, w)  # bit for bit, NaNs in the same places


@pytest.mark.parametrize("name", sorted(CASES))
def test_batch_equals_one_bar_at_a_time(name: str) -> None:
    want = tuple(o[:STEP_BARS] for o in _batch(name))
    got = _run_chunks(name, list(range(STEP_BARS + 1)))
    _assert_same(got, want)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("seed", [1, 2])
def test_batch_equals_random_chunks(name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = BARS.close.size
    # short and long chunks, some empty (repeated cut points)
    cuts = np.sort(np.concatenate((rng.integers(1, n, 40), rng.integers(1, 60, 5))))
    got = _run_chunks(name, [0, *cuts.tolist(), n])
    _assert_same(got, _batch(name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_prefix_gives_the_same_values(name: str) -> None:
    whole = _batch(name)
    for stop in (1, 37, 1440, 2222):
        prefix = _batch(name, stop)
        _assert_same(prefix, tuple(o[:stop] for o in whole))


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_are_defined_after_warm_up(name: str) -> None:
    # On real candles every output becomes defined and stays defined after its warm-up,
    # except pivots, which are sparse by nature.
    for out in _batch(name):
        defined = ~np.isnan(out)
        assert defined.any()
        if not name.startswith("Swings"):
            first = int(np.argmax(defined))
            assert defined[first:].all(), f"{name}: NaN after warm-up"
            assert first < 100


@pytest.mark.parametrize("name", sorted(CASES))
def test_inputs_are_untouched_and_outputs_are_fresh_arrays(name: str) -> None:
    # Callers may keep their bars and may modify the outputs in place.
    factory, columns = CASES[name]
    data = [col.copy() for col in _inputs(columns)]
    outputs = _outputs(factory().update(*data))  # type: ignore[attr-defined]
    for col, original in zip(data, _inputs(columns), strict=True):
        np.testing.assert_array_equal(col, original)
    arrays = [*outputs, *data]
    for i, out in enumerate(outputs):
        for other in arrays[i + 1 :]:
            assert not np.shares_memory(out, other)
