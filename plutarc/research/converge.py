"""Cross-variant convergence: which variants agree across walk-forward windows and across
market regimes, a parameter-stability map, and a verdict a trader can act on ("stable
plateau around ..." or "isolated peak: likely overfit")."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from plutarc.errors import UsageError
from plutarc.research.objective import score
from plutarc.research.store import OK, ResearchStore, VariantRow

REGIME_MIN_TRADES = 3
"""A regime with fewer trades than this says nothing about a variant."""


@dataclass(frozen=True)
class Tolerance:
    win_rate: float = 0.15  # absolute spread of win rates across windows
    profit_factor: float = 0.5  # absolute spread of profit factors (capped at 5)
    plateau: float = 0.25  # a neighbour within this share of the best score is on the plateau


@dataclass
class VariantAgreement:
    params: dict[str, Any]
    scores: list[float | None]  # per window
    median: float | None
    agrees_windows: bool
    agrees_regimes: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class Convergence:
    objective: str
    dims: list[str]
    variants: list[VariantAgreement]
    verdict: str
    plateau: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def cell(self, params: dict[str, Any]) -> VariantAgreement | None:
        for v in self.variants:
            if v.params == params:
                return v
        return None


def _pf(value: Any) -> float:
    return 5.0 if value is None else min(float(value), 5.0)


def _agree_windows(rows: list[VariantRow], tol: Tolerance) -> list[str]:
    ms = [r.metrics for r in rows]
    reasons = []
    wr = [float(m.get("win_rate", 0.0)) for m in ms]
    if max(wr) - min(wr) > tol.win_rate:
        reasons.append(f"win rate {min(wr):.2f}..{max(wr):.2f} across windows")
    pf = [_pf(m.get("profit_factor")) for m in ms if m.get("trades")]
    if pf and max(pf) - min(pf) > tol.profit_factor:
        reasons.append(f"profit factor {min(pf):.2f}..{max(pf):.2f} across windows")
    exp = [float(m.get("expectancy", 0.0)) for m in ms]
    if len({e > 0 for e in exp}) > 1:
        reasons.append("expectancy changes sign across windows")
    return reasons


def _agree_regimes(rows: list[VariantRow], tol: Tolerance) -> list[str]:
    by_regime: dict[str, list[float]] = {}
    for r in rows:
        for name, g in (r.metrics.get("regimes") or {}).items():
            if int(g.get("trades", 0)) >= REGIME_MIN_TRADES:
                by_regime.setdefault(name, []).append(_pf(g.get("profit_factor")))
    pooled = {k: statistics.fmean(v) for k, v in by_regime.items()}
    if len(pooled) < 2:
        return []
    lo, hi = min(pooled, key=pooled.get), max(pooled, key=pooled.get)  # type: ignore[arg-type]
    if pooled[hi] - pooled[lo] > tol.profit_factor:
        return [f"profit factor {pooled[lo]:.2f} in {lo} vs {pooled[hi]:.2f} in {hi}"]
    return []


def converge(windows: list[list[VariantRow]], objective: str, min_trades: int,
             tol: Tolerance = Tolerance()) -> Convergence:
    """``windows``: each window's (or one sweep's) variants, the same grid in each."""
    keyed: dict[str, list[VariantRow]] = {}
    for rows in windows:
        for r in rows:
            if r.status == OK:
                keyed.setdefault(r.key, []).append(r)
    full = {k: rs for k, rs in keyed.items() if len(rs) == len(windows)}
    if not full:
        raise UsageError("no variant was run in every window: convergence needs the same "
                         "grid in each (use grid or --random with a seed)")
    out = []
    for rows in full.values():
        scores = [score(r.metrics, objective, min_trades) for r in rows]
        ranked = [s for s in scores if s is not None]
        med = statistics.median(ranked) if len(ranked) == len(scores) else None
        w_reasons = _agree_windows(rows, tol) if len(rows) > 1 else []
        r_reasons = _agree_regimes(rows, tol)
        out.append(VariantAgreement(rows[0].params, scores, med, not w_reasons,
                                    not r_reasons, w_reasons + r_reasons))
    dims = sorted(out[0].params)
    verdict, plateau = _verdict(out, dims, tol, objective)
    return Convergence(objective, dims, out, verdict, plateau)


def _neighbours(v: VariantAgreement, all_: list[VariantAgreement], dims: list[str]
                ) -> list[VariantAgreement]:
    """Variants one grid step away along one dimension."""
    values = {d: sorted({x.params[d] for x in all_}, key=repr if not _numeric(all_, d)
                        else float) for d in dims}
    out = []
    for d in dims:
        i = values[d].index(v.params[d])
        for j in (i - 1, i + 1):
            if 0 <= j < len(values[d]):
                want = {**v.params, d: values[d][j]}
                out += [x for x in all_ if x.params == want]
    return out


def _numeric(all_: list[VariantAgreement], d: str) -> bool:
    return all(isinstance(x.params[d], int | float) for x in all_)


def _verdict(variants: list[VariantAgreement], dims: list[str], tol: Tolerance,
             objective: str) -> tuple[str, dict[str, tuple[Any, Any]]]:
    ranked = [v for v in variants if v.median is not None]
    if not ranked:
        return "no verdict: no variant has a score in every window (too few trades?)", {}
    best = max(ranked, key=lambda v: v.median)  # type: ignore[arg-type,return-value]
    if best.median is not None and best.median <= 0 and objective != "pf":
        return (f"no edge: the best variant's median {objective} is {best.median:.3g}", {})
    bar = best.median - tol.plateau * abs(best.median)  # type: ignore[operator]
    near = [n for n in _neighbours(best, variants, dims) if n.median is not None
            and n.median >= bar and n.agrees_windows]
    around = ", ".join(f"{k}={v}" for k, v in best.params.items())
    if not best.agrees_windows:
        return (f"unstable: the best variant ({around}) disagrees across windows: "
                + "; ".join(best.reasons), {})
    if len(near) * 2 < len(_neighbours(best, variants, dims)) or not near:
        return f"isolated peak at {around}: likely overfit (its neighbours fall away)", {}
    members = [best, *near]
    plateau = {d: (min(m.params[d] for m in members), max(m.params[d] for m in members))
               for d in dims if _numeric(members, d)}
    span = ", ".join(f"{d} {lo}-{hi}" for d, (lo, hi) in plateau.items())
    return f"stable plateau around {span}", plateau


def load_windows(store: ResearchStore, run_id: int, is_sweep: bool
                 ) -> tuple[list[list[VariantRow]], str, int]:
    """The variant rows of a walk-forward's in-sample sweeps (or one sweep)."""
    if is_sweep:
        info = store.sweep(run_id)
        return [store.variants(run_id)], info["spec"]["objective"], info["spec"]["min_trades"]
    wf = store.walkforward(run_id)
    sweeps = [w["sweep_id"] for w in wf["report"]["windows"]]
    info = store.sweep(sweeps[0])
    return ([store.variants(s) for s in sweeps], info["spec"]["objective"],
            info["spec"]["min_trades"])
