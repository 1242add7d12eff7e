"""The stream primitives' filter equals scipy.signal.lfilter bit for bit, on either path."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter

from plutarc.strategy.indicators import linear_filter


@pytest.mark.parametrize("path", ["direct", "scipy.signal"])
def test_the_filter_equals_lfilter_bit_for_bit(path: str) -> None:
    run = linear_filter._direct() if path == "direct" else linear_filter._via_scipy_signal()
    assert run is not None, "scipy's compiled _sigtools module was not found"
    rng = np.random.default_rng(7)
    for _ in range(50):
        x = rng.normal(size=int(rng.integers(1, 2000))) * 1000
        alpha = rng.uniform(0.001, 0.999)
        b, a, zi = np.array([alpha]), np.array([1.0, alpha - 1.0]), np.array([rng.normal()])
        y, zf = run(b, a, x, zi)
        want_y, want_zf = lfilter(b, a, x, zi=zi)
        assert np.array_equal(y, want_y) and np.array_equal(zf, want_zf)


def test_chunked_filtering_carries_its_state_exactly() -> None:
    x = np.random.default_rng(3).normal(size=500)
    b, a = np.array([0.1]), np.array([1.0, -0.9])
    whole, _ = linear_filter.lfilter_zi(b, a, x, np.array([0.0]))
    zi, parts = np.array([0.0]), []
    for chunk in np.array_split(x, 17):
        y, zi = linear_filter.lfilter_zi(b, a, chunk, zi)
        parts.append(y)
    assert np.array_equal(np.concatenate(parts), whole)
