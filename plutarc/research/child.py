"""A sweep in a child process, for the daemon: the spec as JSON on stdin, JSON lines out
(``{"progress": [done, total]}``, then ``{"summary": ...}`` or ``{"failed": message}``).

    python -m plutarc.research.child RESEARCH_DB < spec.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import Field

from plutarc.backtest.request import BacktestRequest
from plutarc.errors import PlutarcError
from plutarc.validation import CheckedModel


class SweepJobSpec(CheckedModel):
    """What a client may ask the daemon to sweep (the daemon checks the request's files)."""

    request: BacktestRequest
    params: list[str] = Field(min_length=1, max_length=16)
    method: str = "grid"
    n: int | None = Field(None, ge=1, le=100_000)
    seed: int = 0
    objective: str = "sharpe"
    min_trades: int = Field(10, ge=0)
    workers: int = Field(1, ge=1, le=64, description="Processes; default 1 so bots keep "
                                                     "their cores.")


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, default=str) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    from plutarc.research.store import ResearchStore
    from plutarc.research.sweep import SweepSpec, run_sweep

    try:
        job = SweepJobSpec.model_validate_json(sys.stdin.read())
        spec = SweepSpec(job.request, tuple(job.params), job.method, job.n, job.seed,
                         job.objective, job.min_trades)
        report = run_sweep(spec, ResearchStore(argv[1]), workers=job.workers,
                           progress=lambda d, t, _e: _emit({"progress": [d, t]}))
    except PlutarcError as exc:
        _emit({"failed": str(exc)})
        return 0
    except Exception as exc:  # noqa: BLE001 - reported to the daemon, which stays up
        _emit({"crashed": f"{type(exc).__name__}: {exc}"})
        return 1
    best = report.best
    _emit({"summary": {"sweep_id": report.sweep_id, "computed": report.computed,
                       "total": report.total, "best": best.params if best else None,
                       "notes": report.notes}})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
