"""Streaming primitives: batch == one-bar-at-a-time == random chunks, bit for bit."""

import numpy as np
import pandas as pd
import pytest

from plutarc.strategy.indicators.stream import (
    CumSum,
    Diff,
    Ewm,
    Lag,
    RollingMean,
    RollingSum,
    RollingWindow,
    WilderSeeded,
)

RNG = np.random.default_rng(7)
X = 100 + np.cumsum(RNG.normal(0, 1, 600))

FACTORIES = {
    "ewm_span": lambda: Ewm.span(20),
    "ewm_wilder": lambda: Ewm.wilder(14),
    "wilder_seeded": lambda: WilderSeeded(14),
    "cumsum": CumSum,
    "rolling_sum": lambda: RollingSum(20),
    "rolling_mean": lambda: RollingMean(7),
    "max": lambda: RollingWindow(15, "max"),
    "min": lambda: RollingWindow(15, "min"),
    "std": lambda: RollingWindow(20, "std"),
    "std1": lambda: RollingWindow(20, "std1"),
    "argmax_age": lambda: RollingWindow(10, "argmax_age"),
    "argmin_age": lambda: RollingWindow(10, "argmin_age"),
    "lag": lambda: Lag(3),
    "diff": lambda: Diff(1),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_batch_equals_step_and_chunks(name):
    batch = FACTORIES[name]().update(X)
    stepper = FACTORIES[name]()
    step = np.concatenate([stepper.update(X[i : i + 1]) for i in range(X.size)])
    chunker = FACTORIES[name]()
    cuts = np.sort(RNG.choice(np.arange(1, X.size), 25, replace=False))
    chunked = np.concatenate([chunker.update(part) for part in np.split(X, cuts)])
    np.testing.assert_array_equal(batch, step)
    np.testing.assert_array_equal(batch, chunked)


def test_ewm_matches_pandas_adjust_false():
    got = Ewm.span(20).update(X)
    want = pd.Series(X).ewm(span=20, adjust=False).mean().to_numpy().copy()
    want[:19] = np.nan
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_rolling_against_plain_loops():
    n = 15
    mx = RollingWindow(n, "max").update(X)
    age = RollingWindow(n, "argmax_age").update(X)
    mean = RollingMean(n).update(X)
    for t in range(X.size):
        if t < n - 1:
            assert np.isnan(mx[t]) and np.isnan(mean[t])
            continue
        window = list(X[t - n + 1 : t + 1])
        assert mx[t] == max(window)
        assert mean[t] == pytest.approx(sum(window) / n, rel=1e-12)
        newest_first = window[::-1]
        assert age[t] == newest_first.index(max(window))


def test_wilder_seeded_is_textbook():
    n = 14
    got = WilderSeeded(n).update(X)
    y = sum(X[:n]) / n
    assert np.isnan(got[: n - 1]).all()
    assert got[n - 1] == pytest.approx(y)
    for t in range(n, X.size):
        y = y + (X[t] - y) / n
        assert got[t] == pytest.approx(y, rel=1e-12)
