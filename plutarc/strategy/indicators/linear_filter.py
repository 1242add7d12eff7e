"""lfilter for the stream primitives, without importing all of scipy.signal.

``scipy.signal`` drags in scipy.stats and friends: about 75 MB of resident memory and over a
second of start-up in every bot process, for one C routine. We load that routine's compiled
module on its own; if a scipy release moves it, we fall back to ``scipy.signal.lfilter``,
which calls the very same routine (so results are bit-identical either way).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np

Filter = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _direct() -> Filter | None:
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "signal"
    for path in sorted(folder.glob("_sigtools*.so")) + sorted(folder.glob("_sigtools*.pyd")):
        try:
            ext = importlib.util.spec_from_file_location("scipy.signal._sigtools", path)
            if ext is None or ext.loader is None:
                continue
            module = importlib.util.module_from_spec(ext)
            ext.loader.exec_module(module)
            linear_filter = module._linear_filter
        except (ImportError, AttributeError, OSError):
            continue

        def run(b: np.ndarray, a: np.ndarray, x: np.ndarray, zi: np.ndarray,
                _f=linear_filter) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
            return _f(b, a, x, -1, zi)

        return run
    return None


def _via_scipy_signal() -> Filter:
    from scipy.signal import lfilter

    def run(b: np.ndarray, a: np.ndarray, x: np.ndarray,
            zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return lfilter(b, a, x, zi=zi)

    return run


_filter = _direct() or _via_scipy_signal()


def lfilter_zi(b: np.ndarray, a: np.ndarray, x: np.ndarray,
               zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.lfilter(b, a, x, zi=zi)`` for float64 1-d inputs with ``len(a) > 1``;
    ``a[0]`` must be 1 (the direct routine does not normalise)."""
    return _filter(b, a, x, zi)
