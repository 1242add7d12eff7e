"""What a sweep is asked to do, checked: light enough for the daemon to import (the run
machinery, and pandas with it, stays in the child process)."""

from __future__ import annotations

from dataclasses import dataclass

from plutarc.backtest.request import BacktestRequest
from plutarc.errors import UsageError
from plutarc.research.objective import OBJECTIVES

METHODS = ("grid", "random", "optuna")


@dataclass(frozen=True)
class SweepSpec:
    request: BacktestRequest
    params: tuple[str, ...]
    method: str = "grid"
    n: int | None = None
    seed: int = 0
    objective: str = "sharpe"
    min_trades: int = 10

    def check(self) -> None:
        if not self.params:
            raise UsageError("give at least one --param NAME=VALUES")
        if self.method not in METHODS:
            raise UsageError(f"unknown search {self.method!r} (one of {', '.join(METHODS)})")
        if self.method != "grid" and (self.n is None or self.n < 1):
            raise UsageError(f"--{self.method} N: give how many variants to try (1 or more)")
        if self.objective not in OBJECTIVES:
            raise UsageError(f"--objective {self.objective}: one of {', '.join(OBJECTIVES)}")
        if self.min_trades < 0:
            raise UsageError("--min-trades: 0 or more")
