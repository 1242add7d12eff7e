"""What the daemon serves of a walk-forward and a convergence: plain dicts for the API, built
from the stored report (``WalkForwardReport.to_dict()``) and from ``Convergence``. Light: no
pandas, so the daemon can import it."""

from __future__ import annotations

from typing import Any

from plutarc.errors import UsageError
from plutarc.research.converge import Convergence
from plutarc.research.heatmap import matrix

EQUITY_POINTS = 200  # the stitched out-of-sample equity, thinned for a terminal chart


def window_row(result: dict[str, Any]) -> dict[str, Any]:
    """One window of a report (``asdict(WindowResult)``), without its equity curve."""
    w = result["window"]
    return {"index": w["index"], "is_start": w["is_start"], "is_end": w["is_end"],
            "oos_start": w["oos_start"], "oos_end": w["oos_end"], "chosen": result["chosen"],
            "is_score": result["is_score"], "oos_score": result["oos_score"],
            "is_metrics": result["is_metrics"], "oos_metrics": result["oos_metrics"],
            "sweep_id": result["sweep_id"], "note": result["note"]}


def max_drawdown_pct(values: list[float]) -> float:
    peak, worst = float("-inf"), 0.0
    for v in values:
        peak = max(peak, v)
        if peak > 0:
            worst = max(worst, (peak - v) / peak * 100.0)
    return worst


def stitched_summary(stitched: list[list[Any]]) -> dict[str, Any]:
    """The stitched out-of-sample equity in a few figures (and a thinned curve)."""
    if not stitched:
        return {"points": 0, "first": None, "last": None, "return_pct": None,
                "max_drawdown_pct": None, "curve": []}
    values = [float(v) for _ts, v in stitched]
    step = max(1, len(stitched) // EQUITY_POINTS)
    curve = [[int(ts), float(v)] for ts, v in stitched[::step]]
    return {"points": len(stitched), "first": values[0], "last": values[-1],
            "return_pct": (values[-1] / values[0] - 1.0) * 100.0 if values[0] else None,
            "max_drawdown_pct": max_drawdown_pct(values), "curve": curve}


def walkforward_view(run_id: int, stored: dict[str, Any]) -> dict[str, Any]:
    """A stored walk-forward (``ResearchStore.walkforward``) as the API serves it."""
    report = stored["report"]
    return {"id": run_id, "template": stored["template"], "spec": stored["spec"],
            "created_ms": stored["created_ms"], "objective": report["objective"],
            "windows": [window_row(r) for r in report["windows"]],
            "stitched": stitched_summary(report["stitched"]),
            "stability": report["stability"], "notes": report["notes"]}


def heatmap_view(conv: Convergence, x: str | None, y: str | None, windows: int
                 ) -> dict[str, Any]:
    """The heatmap of ``conv`` on axes x and y (UsageError naming the swept parameters when
    either is not one), with the verdict and how many variants agree."""
    x, y, xs, ys, cells = matrix(conv, x, y)
    if x == y:
        raise UsageError(f"heatmap axes: x and y are both {x!r}; pick two parameters")
    agree = sum(v.agrees_windows and v.agrees_regimes for v in conv.variants)
    return {"objective": conv.objective, "dims": conv.dims, "x": x, "y": y, "xs": xs,
            "ys": ys, "cells": cells, "verdict": conv.verdict,
            "plateau": {k: list(v) for k, v in conv.plateau.items()},
            "variants": len(conv.variants), "agree": agree, "windows": windows}
