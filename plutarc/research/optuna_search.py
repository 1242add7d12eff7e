"""Optuna (TPE) search over a sweep's dimensions, in batches as wide as the backend, with the
variants already stored told to the study first so that a resumed search goes on from them.
Optuna is imported here only: a grid or random sweep does not need it."""

from __future__ import annotations

import contextlib
from typing import Any

from plutarc.errors import UsageError
from plutarc.research.backends import Backend
from plutarc.research.space import Dimension, variant_key
from plutarc.research.store import OK, VariantRow
from plutarc.strategy.template import Template


def _optuna() -> Any:
    try:
        import optuna
    except ModuleNotFoundError:
        raise UsageError("--optuna needs Optuna: pip install 'plutarc[research]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def distributions(dims: list[Dimension]) -> dict[str, Any]:
    optuna = _optuna()
    out: dict[str, Any] = {}
    for d in dims:
        if d.lo is not None and d.hi is not None and d.step is not None:
            if d.is_int:
                out[d.name] = optuna.distributions.IntDistribution(int(d.lo), int(d.hi),
                                                                   step=int(d.step))
            else:
                hi = d.lo + (len(d.values) - 1) * d.step  # the last grid point, not past it
                out[d.name] = optuna.distributions.FloatDistribution(d.lo, hi, step=d.step)
        else:
            out[d.name] = optuna.distributions.CategoricalDistribution(list(d.values))
    return out


def _snap(dim: Dimension, value: Any) -> Any:
    """Optuna's float steps drift by an ulp: back onto the dimension's own values."""
    if isinstance(value, float) and dim.values:
        return min(dim.values, key=lambda v: abs(float(v) - value))
    return value


def run_optuna(base: Template, dims: list[Dimension], spec: Any, backend: Backend, rec: Any,
               stored: list[VariantRow]) -> None:
    from plutarc.research.sweep import candidates, run_candidates

    optuna = _optuna()
    dist = distributions(dims)
    sampler = optuna.samplers.TPESampler(seed=spec.seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    seen: dict[str, VariantRow] = {}
    for row in stored:
        seen[row.key] = row
        _tell_stored(optuna, study, dist, row)
    seq = max((r.seq for r in stored), default=-1) + 1
    attempts = 0
    while len(seen) < (spec.n or 0) and attempts < 20 * (spec.n or 0):
        width = min(backend.workers, (spec.n or 0) - len(seen))
        trials, fresh = [], []
        for _ in range(width):
            attempts += 1
            trial = study.ask(dist)
            variant = {d.name: _snap(d, trial.params[d.name]) for d in dims}
            key = variant_key(variant)
            if key in seen or key in {variant_key(v) for _, v in fresh}:
                _tell(study, trial, seen.get(key))  # a point already tried: its stored score
                continue
            trials.append(trial)
            fresh.append((trial, variant))
        if not fresh:
            continue
        cands = candidates(base, [v for _, v in fresh], seq)
        seq += len(cands)
        run_candidates(cands, backend, rec, set())
        rows = {r.key: r for r in rec.store.variants(rec.sweep_id)}
        for trial, variant in fresh:
            row = rows[variant_key(variant)]
            seen[row.key] = row
            _tell(study, trial, row)


def _tell(study: Any, trial: Any, row: VariantRow | None) -> None:
    import optuna

    if row is None or row.status != OK or row.score is None:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    else:
        study.tell(trial, row.score)


def _tell_stored(optuna: Any, study: Any, dist: dict[str, Any], row: VariantRow) -> None:
    if row.status != OK or row.score is None:
        return  # a failed point teaches TPE nothing it can use
    # a row stored under another space cannot be told (the sweep key makes that unlikely)
    with contextlib.suppress(ValueError):
        study.add_trial(optuna.trial.create_trial(params=row.params, distributions=dist,
                                                  value=row.score))
