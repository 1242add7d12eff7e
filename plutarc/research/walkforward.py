"""Walk-forward: optimise in-sample, score the chosen variant out-of-sample, window by window.

What keeps out-of-sample honest:
- each in-sample sweep loads data ending at its window's in-sample end: it cannot see a later
  bar (every variant's last bar is checked against that end);
- a purge/embargo gap separates in-sample end and out-of-sample start;
- the out-of-sample run scores only trades entered from its start (earlier bars only warm
  indicators up, as a bot's history does);
- the chosen variant passes the look-ahead probe: its in-sample decisions must not change when
  the out-of-sample bars are appended; a template that peeks ahead is refused.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from plutarc.backtest.service import prepare
from plutarc.research.evaluate import evaluate, warmup_of
from plutarc.research.lookahead import LookAheadError, first_divergence
from plutarc.research.objective import score
from plutarc.research.space import apply_variant, parse_param, resolve_names, template_hash
from plutarc.research.store import ResearchStore
from plutarc.research.sweep import SweepSpec, run_sweep
from plutarc.research.windows import Window, make_windows
from plutarc.strategy.template_catalog import load_template

KEY_METRICS = ("trades", "net_pnl", "win_rate", "profit_factor", "expectancy", "sharpe",
               "max_drawdown_pct")


@dataclass
class WindowResult:
    window: Window
    chosen: dict[str, Any] | None
    is_score: float | None
    is_metrics: dict[str, Any]
    oos_score: float | None = None
    oos_metrics: dict[str, Any] = field(default_factory=dict)
    oos_equity: list[tuple[int, float]] = field(default_factory=list)
    sweep_id: int = 0
    note: str = ""


@dataclass
class WalkForwardReport:
    windows: list[WindowResult]
    objective: str
    stitched: list[tuple[int, float]]  # out-of-sample equity, window after window
    stability: dict[str, dict[str, Any]]
    notes: list[str]
    run_id: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _subset(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics.get(k) for k in KEY_METRICS}


def stitch(curves: list[list[tuple[int, float]]], cash: float) -> list[tuple[int, float]]:
    """Out-of-sample curves chained: each window's returns compound on the last equity."""
    out: list[tuple[int, float]] = []
    level = cash
    for curve in curves:
        if not curve:
            continue
        first = curve[0][1]
        out += [(ts, level * value / first) for ts, value in curve]
        level = out[-1][1]
    return out


def stability(chosen: list[dict[str, Any]], steps: dict[str, float | None]
              ) -> dict[str, dict[str, Any]]:
    """Per parameter: the values chosen per window and how far apart (in grid steps)."""
    out: dict[str, dict[str, Any]] = {}
    for name in chosen[0] if chosen else []:
        values = [c[name] for c in chosen]
        entry: dict[str, Any] = {"values": values, "distinct": len({repr(v) for v in values})}
        nums = [float(v) for v in values if isinstance(v, int | float)]
        if len(nums) == len(values):
            spread = max(nums) - min(nums)
            entry["spread"] = spread
            if steps.get(name):
                entry["spread_steps"] = round(spread / steps[name], 3)
            entry["stdev"] = statistics.pstdev(nums)
        entry["stable"] = entry["distinct"] == 1 or entry.get("spread_steps", 99) <= 2
        out[name] = entry
    return out


def run_walkforward(spec: SweepSpec, store: ResearchStore, *, train_ms: int, test_ms: int,
                    gap_ms: int, step_ms: int | None = None, anchored: bool = False,
                    workers: int | None = None, cluster: str | None = None,
                    progress: Callable[[int, int, float | None], None] | None = None,
                    probe: bool = True,
                    on_window: Callable[[list[WindowResult], int], None] | None = None
                    ) -> WalkForwardReport:
    """``on_window(results so far, windows in all)``: called once the windows are laid out
    and again as each window is scored (the daemon's job shows them filling in)."""
    spec.check()
    base = load_template(spec.request.template)
    dims = resolve_names(base, [parse_param(p) for p in spec.params])
    whole = prepare(spec.request, warmup_bars=0)
    bars = whole.loaded.bars
    first = int(bars.ts_ms[whole.loaded.warmup_start_index])
    windows = make_windows(first, int(bars.ts_ms[-1]) + bars.interval_ms, train_ms, test_ms,
                           gap_ms, step_ms, anchored)
    results: list[WindowResult] = []
    if on_window is not None:
        on_window(results, len(windows))
    for w in windows:
        is_req = spec.request.model_copy(update={"start": str(w.is_start), "end": str(w.is_end)})
        sweep = run_sweep(SweepSpec(is_req, spec.params, spec.method, spec.n, spec.seed,
                                    spec.objective, spec.min_trades), store, workers=workers,
                          cluster=cluster, kind="walkforward-is",
                          progress=None if progress is None else
                          (lambda d, t, e, w=w: progress(w.index * t + d, t * len(windows), e)))
        leaked = [r for r in sweep.rows if r.status == "ok" and r.last_ms >= w.is_end]
        if leaked:
            raise AssertionError(f"window {w.index}: in-sample saw bars at or after its end")
        best = sweep.best
        if best is None:
            results.append(WindowResult(w, None, None, {}, sweep_id=sweep.sweep_id,
                                        note="no rankable in-sample variant: not scored"))
            if on_window is not None:
                on_window(results, len(windows))
            continue
        template = apply_variant(base, best.params)
        if probe:
            bad = first_divergence(spec.request, template, w.is_start, w.is_end, w.oos_end)
            if bad is not None:
                raise LookAheadError(
                    f"window {w.index}: look-ahead: the decision at {bad} ms (in-sample) "
                    f"changes when out-of-sample bars are appended; {base.name} with "
                    f"{best.params} peeks at later bars, so its in-sample choice would be "
                    "steered by out-of-sample data")
        oos_req = spec.request.model_copy(update={"start": str(w.oos_start),
                                                  "end": str(w.oos_end)})
        probe_prep = prepare(oos_req, warmup_bars=0)
        oos_prep = prepare(oos_req, warmup_bars=warmup_of(
            template, probe_prep.loaded.bars.interval_ms))
        out = evaluate(oos_prep, template, want_equity=True)
        results.append(WindowResult(
            w, best.params, best.score, _subset(best.metrics),
            score(out["metrics"], spec.objective, 1), _subset(out["metrics"]),
            list(zip(out["equity_ts_ms"], out["equity"], strict=True)), sweep.sweep_id))
        if on_window is not None:
            on_window(results, len(windows))
    chosen = [r.chosen for r in results if r.chosen]
    steps = {d.name: d.step for d in dims}
    stitched = stitch([r.oos_equity for r in results], spec.request.starting_cash)
    notes = _notes(results, spec)
    report = WalkForwardReport(results, spec.objective, stitched, stability(chosen, steps), notes)
    report.run_id = store.save_walkforward(base.name, {"params": list(spec.params),
                                                       "method": spec.method,
                                                       "objective": spec.objective},
                                           report.to_dict(), template_hash(base))
    return report


def _notes(results: list[WindowResult], spec: SweepSpec) -> list[str]:
    scored = [r for r in results if r.oos_score is not None and r.is_score is not None]
    notes = []
    if scored:
        is_mean = statistics.fmean(r.is_score for r in scored)  # type: ignore[misc]
        oos_mean = statistics.fmean(r.oos_score for r in scored)  # type: ignore[misc]
        notes.append(f"{spec.objective}: in-sample mean {is_mean:.3f}, out-of-sample mean "
                     f"{oos_mean:.3f} over {len(scored)} windows")
        if is_mean > 0 and oos_mean < 0.5 * is_mean:
            notes.append("out-of-sample keeps less than half the in-sample figure: the "
                         "optimisation is fitting noise")
    unscored = len(results) - len(scored)
    if unscored:
        notes.append(f"{unscored} windows had no rankable choice or no out-of-sample trade")
    if not scored:
        notes.append("no window produced an out-of-sample score: lengthen --train or lower "
                     "--min-trades")
    return notes
