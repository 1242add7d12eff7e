"""combine_one / direction_one (the live path's one-close forms) give the very bits of the
vectorised combine_scores / direction_of on a (k, 1) column, awkward inputs included."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plutarc.strategy.combine import combine_one, combine_scores, direction_of, direction_one

MODES = ("weighted_sum", "unanimous", "majority", "any")
AWKWARD = st.sampled_from([math.nan, 0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 0.3, -0.3, 1e-300])
SCORE = st.one_of(AWKWARD, st.floats(-1.0, 1.0, allow_nan=False))
WEIGHT = st.one_of(st.sampled_from([0.0, 1.0, 2.5]), st.floats(0.0, 100.0))


def _bits(x: float) -> int:
    if math.isnan(x):
        return -1  # any NaN
    return int(np.array([x]).view(np.int64)[0])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(SCORE, WEIGHT), min_size=1, max_size=7),
       st.sampled_from(MODES), st.sampled_from([0.3, 0.5, 1.0]))
def test_one_close_equals_vectorised(pairs, mode, threshold):
    scores = [s for s, _ in pairs]
    weights = [w for _, w in pairs]
    want = combine_scores(np.array(scores).reshape(-1, 1), np.array(weights), mode, threshold)
    got = combine_one(scores, weights, mode, threshold)
    assert _bits(got) == _bits(float(want[0]))
    assert direction_one(got, threshold) == int(direction_of(want, threshold)[0])


def test_signed_zero_ties_follow_numpy():
    for scores in ([0.0, -0.0], [-0.0, 0.0], [-0.0, -0.0, 0.0]):
        want = combine_scores(np.array(scores).reshape(-1, 1), np.ones(len(scores)), "any", 0.5)
        assert _bits(combine_one(scores, [1.0] * len(scores), "any", 0.5)) == _bits(want[0])


def test_unknown_mode_is_refused_even_without_opinions():
    with pytest.raises(ValueError, match="unknown combination mode 'median'"):
        combine_one([math.nan], [1.0], "median", 0.5)
