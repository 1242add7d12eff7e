"""Research work in a child process, for the daemon: ``{"kind": ..., "spec": {...}}`` as JSON on
stdin, JSON lines out, then one of ``{"summary": ...}``, ``{"failed": message}`` or
``{"crashed": message}``.

- ``sweep``: ``{"progress": [done, total]}`` lines (variants);
- ``walkforward``: variant progress lines, and ``{"windows": [done, total], "window": row}``
  as each window is scored (``{"windows": [0, total]}`` once they are laid out);
- ``rerun``: one variant of a stored sweep run alone as a normal backtest, stored with the
  other backtests (needs RESULTS_DB and TEMPLATE_DIR).

    python -m plutarc.research.child RESEARCH_DB [RESULTS_DB TEMPLATE_DIR] < job.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal

from plutarc.errors import PlutarcError
from plutarc.research.job_specs import RerunJobSpec, SweepJobSpec, WalkForwardJobSpec
from plutarc.validation import CheckedModel


class ChildJob(CheckedModel):
    kind: Literal["sweep", "walkforward", "rerun"]
    spec: dict[str, Any]


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, default=str) + "\n")
    sys.stdout.flush()


def _sweep_spec(job: SweepJobSpec) -> Any:
    from plutarc.research.spec import SweepSpec

    return SweepSpec(job.request, tuple(job.params), job.method, job.n, job.seed,
                     job.objective, job.min_trades)


def _sweep(store: Any, spec: dict[str, Any]) -> dict[str, Any]:
    from plutarc.research.sweep import run_sweep

    job = SweepJobSpec.model_validate(spec)
    report = run_sweep(_sweep_spec(job), store, workers=job.workers,
                       progress=lambda d, t, _e: _emit({"progress": [d, t]}))
    best = report.best
    return {"sweep_id": report.sweep_id, "computed": report.computed, "total": report.total,
            "best": best.params if best else None, "notes": report.notes}


def _walkforward(store: Any, spec: dict[str, Any]) -> dict[str, Any]:
    from dataclasses import asdict

    from plutarc.research.views import window_row
    from plutarc.research.walkforward import run_walkforward

    job = WalkForwardJobSpec.model_validate(spec)

    def on_window(results: list[Any], total: int) -> None:
        message: dict[str, Any] = {"windows": [len(results), total]}
        if results:
            message["window"] = window_row(asdict(results[-1]))
        _emit(message)

    sweep = SweepJobSpec.model_validate(job.model_dump(exclude=set(job.window_fields())))
    report = run_walkforward(
        _sweep_spec(sweep), store, **job.windows_ms(), workers=job.workers,
        progress=lambda d, t, _e: _emit({"progress": [d, t]}), on_window=on_window)
    return {"walkforward_id": report.run_id, "windows": len(report.windows),
            "notes": report.notes}


def _rerun(store: Any, spec: dict[str, Any], argv: list[str]) -> dict[str, Any]:
    from plutarc.backtest.store import ResultsStore
    from plutarc.research.rerun import rerun_variant

    job = RerunJobSpec.model_validate(spec)
    results = ResultsStore(argv[2])
    try:
        done = rerun_variant(store, results, job.sweep_id, job.seq, Path(argv[3]))
    finally:
        results.close()
    return {"run_id": done.result.run_id, "params": done.params, "matches": done.matches,
            "sweep_id": job.sweep_id, "seq": job.seq}


def main(argv: list[str]) -> int:
    from plutarc.research.store import ResearchStore

    try:
        job = ChildJob.model_validate_json(sys.stdin.read())
        if job.kind == "rerun" and len(argv) != 4:
            raise PlutarcError("a rerun needs RESULTS_DB and TEMPLATE_DIR")
        store = ResearchStore(argv[1])
        try:
            if job.kind == "sweep":
                summary = _sweep(store, job.spec)
            elif job.kind == "walkforward":
                summary = _walkforward(store, job.spec)
            else:
                summary = _rerun(store, job.spec, argv)
        finally:
            store.close()
    except PlutarcError as exc:
        _emit({"failed": str(exc)})
        return 0
    except Exception as exc:  # noqa: BLE001 - reported to the daemon, which stays up
        _emit({"crashed": f"{type(exc).__name__}: {exc}"})
        return 1
    _emit({"summary": summary})
    return 0


__all__ = ["ChildJob", "SweepJobSpec", "main"]  # SweepJobSpec: where the daemon first found it

if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
