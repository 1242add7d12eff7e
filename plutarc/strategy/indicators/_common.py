"""Shared plumbing for the indicator classes: parameter checks, input coercion, delayed feeds."""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

EMPTY = np.empty(0, np.float64)


def check_int(owner: str, name: str, value: object, minimum: int = 1) -> int:
    """``value`` as an int, or a ValueError naming the indicator and the parameter."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive(owner: str, name: str, value: object) -> float:
    """``value`` as a finite float > 0, or a ValueError naming the indicator and parameter."""
    number = math.nan
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        number = float(value)
    if not math.isfinite(number) or number <= 0.0:
        raise ValueError(f"{owner}: {name} must be a finite number > 0, got {value!r}")
    return number


def series(owner: str, x: object) -> np.ndarray:
    """One input series as a 1-D float64 array (a scalar counts as a one-bar chunk)."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1)
    if a.ndim != 1:
        raise ValueError(f"{owner}.update expects 1-D arrays of bar values, got shape {a.shape}")
    return a


def columns(owner: str, names: str, *arrays: object) -> tuple[np.ndarray, ...]:
    """Several input series of one chunk, checked to be 1-D and of equal length."""
    out = tuple(series(owner, a) for a in arrays)
    sizes = [a.size for a in out]
    if len(set(sizes)) > 1:
        raise ValueError(f"{owner}.update: {names} must have the same length, got {sizes}")
    return out


class Stream(Protocol):
    def update(self, x: np.ndarray) -> Any: ...


def _pad_front(y: np.ndarray, skip: int) -> np.ndarray:
    return np.concatenate((np.full(skip, np.nan), y))


class Delayed:
    """Feed ``inner`` from the ``k``-th value on, for inputs whose first ``k`` values are
    undefined (a difference's first bar, a warm-up) and must not reach a seed or a sum.

    Outputs for the skipped values are NaN; ``inner`` may return one array or a tuple.
    """

    __slots__ = ("_inner", "_k", "_seen")

    def __init__(self, k: int, inner: Stream) -> None:
        self._k = k
        self._inner = inner
        self._seen = 0

    def update(self, x: np.ndarray) -> Any:
        skip = min(max(self._k - self._seen, 0), x.size)
        self._seen += x.size
        if skip == 0:
            return self._inner.update(x)
        y = self._inner.update(x[skip:])
        if not isinstance(y, tuple):
            return _pad_front(y, skip)
        parts = [None if part is None else _pad_front(part, skip) for part in y]
        return type(y)(*parts) if hasattr(y, "_fields") else tuple(parts)


class FromFirstValue:
    """Feed ``inner`` from the first non-NaN value on, for recursive averages (whose seed
    must be a real value) of series with a warm-up: the EMA of an RSI starts where the RSI
    does. NaN before that; ``inner`` returns one array."""

    __slots__ = ("_inner", "_started")

    def __init__(self, inner: Stream) -> None:
        self._inner = inner
        self._started = False

    def update(self, x: np.ndarray) -> np.ndarray:
        if self._started:
            return self._inner.update(x)
        defined = ~np.isnan(x)
        if not defined.any():
            return np.full(x.size, np.nan)
        self._started = True
        skip = int(defined.argmax())
        y = self._inner.update(x[skip:])
        return _pad_front(y, skip) if skip else y
