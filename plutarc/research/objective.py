"""Objectives a sweep ranks variants by, read from a run's metrics."""

from __future__ import annotations

import math
from typing import Any

OBJECTIVES = {"sharpe": "sharpe", "pf": "profit_factor", "expectancy": "expectancy",
              "net": "net_pnl"}
PF_CAP = 100.0
"""A profit factor with no losing trade is infinite; ranked as this so it stays comparable."""


def score(metrics: dict[str, Any], objective: str, min_trades: int) -> float | None:
    """The variant's score, or None when it is not rankable (too few trades, no value): a
    handful of lucky trades must not win a sweep."""
    if int(metrics.get("trades", 0)) < min_trades:
        return None
    value = metrics.get(OBJECTIVES[objective])
    if value is None:
        return None
    value = float(value)
    if math.isnan(value):
        return None
    return min(value, PF_CAP) if math.isinf(value) and value > 0 else value
