"""Array rules shared by catalog components: safe ratios, squashing, crossings, verdicts.

Everything here is either a pure function of the chunk or a small streaming helper built on
``strategy.indicators.stream`` primitives, so components that use it stay causal and give
the same numbers whether they are fed one bar or a whole series at a time.
"""

from __future__ import annotations

import math

import numpy as np

from plutarc.errors import TemplateError
from plutarc.strategy.indicators.stream import Lag


def require(ok: bool, component_id: str, message: str) -> None:
    """Refuse a parameter combination the bounds alone cannot express."""
    if not ok:
        raise TemplateError(f"{component_id}: {message}")


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` without warnings: 0/0 is 0 (nothing moved against nothing), x/0 is
    +-inf, NaN stays NaN (not computable yet)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(num, den)
    out = np.atleast_1d(out)
    both_zero = (num == 0) & (den == 0)
    if np.any(both_zero):
        out = np.where(both_zero, 0.0, out)
    return out


def squash(x: np.ndarray, scale: float) -> np.ndarray:
    """Map an unbounded reading to (-1, 1): ``tanh(x / scale)``; ``x = scale`` gives 0.76."""
    return np.tanh(np.asarray(x, dtype=np.float64) / scale)


def event_score(up: np.ndarray, down: np.ndarray, defined: np.ndarray) -> np.ndarray:
    """+1 on ``up`` bars, -1 on ``down`` bars, 0 otherwise, NaN where not ``defined``."""
    raw = up.astype(np.float64) - down.astype(np.float64)
    return np.where(defined, raw, np.nan)


def sign_score(x: np.ndarray) -> np.ndarray:
    """The sign of ``x`` as a score (NaN stays NaN)."""
    return np.sign(np.asarray(x, dtype=np.float64))


class Crossing:
    """Where series ``a`` crosses ``b`` between the previous bar and this one.

    ``up`` means a > b now and a <= b on the previous bar; ``down`` the mirror. Both need
    the four values defined.
    """

    __slots__ = ("_prev_a", "_prev_b")

    def __init__(self) -> None:
        self._prev_a = Lag(1)
        self._prev_b = Lag(1)

    def update(
        self, a: np.ndarray, b: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a = np.asarray(a, dtype=np.float64)
        b = np.broadcast_to(np.asarray(b, dtype=np.float64), a.shape)
        prev_a = self._prev_a.update(a)
        prev_b = self._prev_b.update(b)
        defined = ~(np.isnan(a) | np.isnan(b) | np.isnan(prev_a) | np.isnan(prev_b))
        up = defined & (a > b) & (prev_a <= prev_b)
        down = defined & (a < b) & (prev_a >= prev_b)
        return up, down, defined


class BarIndex:
    """The position of each bar in the whole stream (0 = the first bar ever seen)."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen = 0

    def update(self, n: int) -> np.ndarray:
        idx = np.arange(self._seen, self._seen + n, dtype=np.int64)
        self._seen += n
        return idx


def within(value: np.ndarray, low: float, high: float) -> np.ndarray:
    """True where ``low <= value <= high``; False where the value is not computable."""
    return (value >= low) & (value <= high)


def fmt(x: float, digits: int = 2) -> str:
    """A number for a skip reason: fixed decimals, 'n/a' when not computable."""
    if math.isnan(x):
        return "n/a"
    return f"{x:.{digits}f}"


def warming(label: str) -> str:
    """Skip reason while a candle rule cannot be computed yet."""
    return f"{label} not computable yet (warming up)"


_OPPOSITE = {"<=": ">", ">=": "<", "<": ">=", ">": "<="}
_HOLDS = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
}


def describe_limit(
    label: str, value: float, op: str, limit: float, digits: int = 2, unit: str = ""
) -> str:
    """``label=value op limit`` with whichever of ``op`` and its opposite is true, e.g.
    ``CI=63.1 > 61.8`` for the rule ``CI <= 61.8``."""
    if math.isnan(value):
        return warming(label)
    shown = op if _HOLDS[op](value, limit) else _OPPOSITE[op]
    return f"{label}={fmt(value, digits)}{unit} {shown} {fmt(limit, digits)}{unit}"


def describe_band(
    label: str, value: float, low: float, high: float, digits: int = 2, unit: str = ""
) -> str:
    """Where ``value`` sits against the band ``[low, high]``."""
    if math.isnan(value):
        return warming(label)
    shown = f"{label}={fmt(value, digits)}{unit}"
    if value < low:
        return f"{shown} < {fmt(low, digits)}{unit}"
    if value > high:
        return f"{shown} > {fmt(high, digits)}{unit}"
    return f"{shown} in [{fmt(low, digits)}, {fmt(high, digits)}]{unit}"
