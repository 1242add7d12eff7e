"""Parameter sweeps: grid, random or Optuna (TPE) search over a template's parameters, every
variant stored with its metrics; the same spec again resumes the stored sweep."""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from plutarc.backtest.service import Prepared, prepare
from plutarc.errors import TemplateError
from plutarc.research.backends import Backend, make_backend
from plutarc.research.evaluate import warmup_of
from plutarc.research.objective import score
from plutarc.research.space import (
    Dimension,
    Variant,
    apply_variant,
    grid,
    parse_param,
    random_sample,
    resolve_names,
    template_hash,
    variant_key,
)
from plutarc.research.spec import SweepSpec
from plutarc.research.store import INVALID, OK, ResearchStore, VariantRow
from plutarc.strategy.template import Template
from plutarc.strategy.template_catalog import load_template
from plutarc.strategy.template_validation import validate_template

ProgressFn = Callable[[int, int, float | None], None]
"""(variants done, variants in the sweep, seconds left or None)."""


@dataclass
class SweepReport:
    sweep_id: int
    resumed: bool
    total: int
    computed: int  # variants run by this call (a resumed sweep skips the stored ones)
    rows: list[VariantRow]
    objective: str
    notes: list[str] = field(default_factory=list)

    @property
    def best(self) -> VariantRow | None:
        ranked = [r for r in self.rows if r.score is not None]
        return max(ranked, key=lambda r: (r.score, -r.seq)) if ranked else None

    def ranked(self) -> list[VariantRow]:
        return sorted((r for r in self.rows if r.status == OK),
                      key=lambda r: (r.score is None, -(r.score or 0.0), r.seq))


@dataclass
class Candidate:
    seq: int
    variant: Variant
    template: Template | None
    message: str = ""


def candidates(base: Template, variants: list[Variant], start_seq: int = 0) -> list[Candidate]:
    """Each variant applied to ``base``; an invalid one keeps the validation's message."""
    out = []
    for i, variant in enumerate(variants, start=start_seq):
        try:
            out.append(Candidate(i, variant, apply_variant(base, variant)))
        except TemplateError as exc:
            out.append(Candidate(i, variant, None, str(exc)))
    return out


def sweep_key(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def extreme_warmup(base: Template, dims: list[Dimension], base_ms: int) -> int:
    """The largest warm-up among the variants at each dimension's ends (Optuna cannot list
    its variants up front); the base template's own counts too."""
    need = [warmup_of(base, base_ms)]
    for pick in (min, max):
        with contextlib.suppress(TemplateError):
            need.append(warmup_of(apply_variant(base, {d.name: pick(d.values, key=_num)
                                                       for d in dims}), base_ms))
    return max(need)


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


class Recorder:
    """Stores finished variants and reports progress with an ETA."""

    def __init__(self, store: ResearchStore, sweep_id: int, spec: SweepSpec, total: int,
                 done: int, progress: ProgressFn | None) -> None:
        self.store, self.sweep_id, self.spec = store, sweep_id, spec
        self.total, self.done, self.computed = total, done, 0
        self.progress = progress
        self.started = time.perf_counter()
        if progress:
            progress(done, total, None)

    def invalid(self, cand: Candidate) -> None:
        if self.store.record(self.sweep_id, VariantRow(cand.seq, cand.variant, INVALID,
                                                       cand.message, "", "", {}, None, 0.0)):
            self._tick(computed=False)

    def result(self, cand: Candidate, result: dict[str, Any]) -> VariantRow:
        assert cand.template is not None
        if "error" in result:
            row = VariantRow(cand.seq, cand.variant, "error", result["error"],
                             template_hash(cand.template), "", {}, None, 0.0)
        else:
            row = VariantRow(cand.seq, cand.variant, OK, "", template_hash(cand.template),
                             result["fingerprint"], result["metrics"],
                             score(result["metrics"], self.spec.objective, self.spec.min_trades),
                             result["duration_s"], result["first_ms"], result["last_ms"])
        if self.store.record(self.sweep_id, row):
            self._tick(computed=True)
        return row

    def _tick(self, computed: bool) -> None:
        self.done += 1
        self.computed += computed
        if not self.progress:
            return
        elapsed = time.perf_counter() - self.started
        left = self.total - self.done
        eta = elapsed / self.computed * left if self.computed else None
        self.progress(self.done, self.total, eta)


def run_candidates(cands: list[Candidate], backend: Backend, rec: Recorder,
                   done_keys: set[str]) -> None:
    """Run the valid candidates not stored yet; record the invalid ones with their message."""
    todo = []
    for cand in cands:
        if variant_key(cand.variant) in done_keys:
            continue
        if cand.template is None:
            rec.invalid(cand)
        else:
            todo.append(cand)
    for i, result in backend.run([c.template for c in todo]):  # type: ignore[misc]
        rec.result(todo[i], result)


def run_sweep(spec: SweepSpec, store: ResearchStore, *, workers: int | None = None,
              cluster: str | None = None, progress: ProgressFn | None = None,
              prep: Prepared | None = None, kind: str = "sweep") -> SweepReport:
    """Run (or resume) the sweep ``spec`` describes; ``prep`` reuses data already loaded."""
    spec.check()
    base = load_template(spec.request.template)
    validate_template(base)
    dims = resolve_names(base, [parse_param(p) for p in spec.params])
    variants: list[Variant] = []
    if spec.method == "grid":
        variants = grid(dims)
    elif spec.method == "random":
        variants = random_sample(dims, spec.n or 0, spec.seed)
    cands = candidates(base, variants)
    if prep is None:
        probe = prepare(spec.request)
        base_ms = probe.loaded.bars.interval_ms
        need = max([warmup_of(c.template, base_ms) for c in cands if c.template] +
                   [extreme_warmup(base, dims, base_ms)])
        prep = probe if spec.request.start is None else prepare(spec.request, need)
    total = len(cands) if spec.method != "optuna" else int(spec.n or 0)
    key = sweep_key({"kind": kind, "template": template_hash(base),
                     "data": prep.loaded.fingerprint, "dims": [d.__dict__ for d in dims],
                     "method": spec.method, "n": spec.n, "seed": spec.seed,
                     "objective": spec.objective, "min_trades": spec.min_trades,
                     "request": spec.request.model_dump(mode="json")})
    sweep_id, resumed = store.open_sweep(
        key, kind, base.name, template_hash(base), str(prep.path.resolve()),
        prep.loaded.fingerprint, {"params": list(spec.params), "method": spec.method,
                                  "n": spec.n, "seed": spec.seed, "objective": spec.objective,
                                  "min_trades": spec.min_trades,
                                  "request": spec.request.model_dump(mode="json")}, total)
    stored = store.variants(sweep_id)
    rec = Recorder(store, sweep_id, spec, total, len(stored), progress)
    backend = make_backend(prep, workers, cluster)
    try:
        if spec.method == "optuna":
            from plutarc.research.optuna_search import run_optuna

            run_optuna(base, dims, spec, backend, rec, stored)
        else:
            run_candidates(cands, backend, rec, {r.key for r in stored})
    finally:
        backend.close()
    rows = store.variants(sweep_id)
    notes = [f"{len(rows)} variants tried: the best score of many trials is optimistic; "
             "check it out of sample (plutarc research walkforward)"]
    invalid = sum(r.status == INVALID for r in rows)
    if invalid:
        notes.append(f"{invalid} variants skipped: the template refused them")
    unranked = sum(r.status == OK and r.score is None for r in rows)
    if unranked:
        notes.append(f"{unranked} variants not ranked: fewer than {spec.min_trades} trades "
                     f"or no {spec.objective}")
    return SweepReport(sweep_id, resumed, total, rec.computed, rows, spec.objective, notes)
