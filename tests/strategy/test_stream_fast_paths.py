"""The one-value paths of Lag and WilderSeeded (a live bar) keep the batch numbers and own
what they hand out: callers may write into an output without touching later ones."""

import numpy as np
import pytest

from plutarc.strategy.indicators.stream import Lag, WilderSeeded

RNG = np.random.default_rng(11)
X = 100 + np.cumsum(RNG.normal(0, 1, 300))


@pytest.mark.parametrize("k", [1, 2, 5])
def test_lag_outputs_written_by_the_caller_change_nothing_later(k):
    want = Lag(k).update(X)
    lag = Lag(k)
    got = []
    for i in range(X.size):
        out = lag.update(X[i : i + 1])
        got.append(out.copy())
        out[:] = -1.0  # RealizedVol divides in place into its Lag's output
    np.testing.assert_array_equal(np.concatenate(got), want)


def test_lag_never_writes_into_its_input():
    x = X[:10].copy()
    lag = Lag(1)
    for i in range(x.size):
        lag.update(x[i : i + 1])
    np.testing.assert_array_equal(x, X[:10])


def test_wilder_seeded_takes_empty_chunks_after_its_seed():
    want = WilderSeeded(14).update(X)
    w = WilderSeeded(14)
    got = []
    for i in range(X.size):
        got.append(w.update(X[i : i + 1]))
        assert w.update(X[:0]).size == 0
    np.testing.assert_array_equal(np.concatenate(got), want)
