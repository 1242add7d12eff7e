"""What the daemon reads back from the research database for its clients: sweeps and their
variants, walk-forwards with their out-of-sample table, and a convergence heatmap. Each call
opens the database, reads and closes it (the child process writes it meanwhile)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _store(research_db: Path) -> Any:
    from plutarc.research.store import ResearchStore

    return ResearchStore(research_db)


def sweeps(research_db: Path, limit: int = 30) -> list[dict[str, Any]]:
    store = _store(research_db)
    try:
        return [{"id": s["id"], "kind": s["kind"], "template": s["template_name"],
                 "method": s["spec"].get("method"), "objective": s["spec"].get("objective"),
                 "params": s["spec"].get("params"), "stored": store.count(s["id"]),
                 "total": s["total"]} for s in store.sweeps(limit)]
    finally:
        store.close()


def sweep(research_db: Path, sweep_id: int, top: int = 50) -> dict[str, Any]:
    store = _store(research_db)
    try:
        info = store.sweep(sweep_id)
        rows = store.variants(sweep_id)
    finally:
        store.close()
    ranked = sorted((r for r in rows if r.status == "ok"),
                    key=lambda r: (r.score is None, -(r.score or 0.0), r.seq))
    return {"sweep": {k: v for k, v in info.items() if k != "sweep_key"},
            "variants": [{"seq": r.seq, "params": r.params, "score": r.score,
                          "trades": r.metrics.get("trades"),
                          "net_pnl": r.metrics.get("net_pnl"),
                          "win_rate": r.metrics.get("win_rate"),
                          "max_drawdown_pct": r.metrics.get("max_drawdown_pct")}
                         for r in ranked[:top]],
            "skipped": [{"seq": r.seq, "params": r.params, "status": r.status,
                         "message": r.message} for r in rows if r.status != "ok"]}


def walkforwards(research_db: Path, limit: int = 30) -> list[dict[str, Any]]:
    """The stored walk-forwards, newest first, in a line each (their reports, which hold the
    stitched equity, are counted in SQLite rather than parsed here)."""
    store = _store(research_db)
    try:
        rows = store.db.execute(
            "SELECT id, created_ms, template_name, spec_json,"
            " json_array_length(report_json, '$.windows'),"
            " (SELECT COUNT(*) FROM json_each(report_json, '$.windows')"
            "  WHERE json_extract(value, '$.oos_score') IS NOT NULL)"
            " FROM walkforwards ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    finally:
        store.close()
    out = []
    for run_id, created_ms, template, spec_json, windows, scored in rows:
        spec = json.loads(spec_json)
        out.append({"id": run_id, "created_ms": created_ms, "template": template,
                    "objective": spec.get("objective"), "method": spec.get("method"),
                    "params": spec.get("params"), "windows": windows, "scored": scored})
    return out


def walkforward(research_db: Path, run_id: int) -> dict[str, Any]:
    from plutarc.research.views import walkforward_view

    store = _store(research_db)
    try:
        return walkforward_view(run_id, store.walkforward(run_id))
    finally:
        store.close()


def heatmap(research_db: Path, run_id: int, is_sweep: bool, x: str | None, y: str | None
            ) -> dict[str, Any]:
    """The convergence of a sweep (one window: regimes only) or of a walk-forward's in-sample
    sweeps, as a heatmap on axes x and y (default: the first two swept parameters)."""
    from plutarc.research.converge import converge, load_windows
    from plutarc.research.views import heatmap_view

    store = _store(research_db)
    try:
        windows, objective, min_trades = load_windows(store, run_id, is_sweep)
    finally:
        store.close()
    return heatmap_view(converge(windows, objective, min_trades), x, y, len(windows))
