"""A sweep's variant re-run alone as a normal backtest (stored with the other backtests, so
``backtest show/report`` and the TUI open it), checked against the figures the sweep stored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plutarc.backtest.request import BacktestRequest
from plutarc.backtest.service import BacktestResult, run_request
from plutarc.backtest.store import ResultsStore
from plutarc.errors import UsageError
from plutarc.research.space import apply_variant
from plutarc.research.store import OK, ResearchStore
from plutarc.strategy.template import template_to_toml
from plutarc.strategy.template_catalog import load_template


@dataclass
class Rerun:
    result: BacktestResult
    params: dict[str, Any]
    template_file: Path
    matches: bool  # the lone run's metrics equal the sweep's, figure for figure


def rerun_variant(research: ResearchStore, results: ResultsStore, sweep_id: int, seq: int,
                  template_dir: Path) -> Rerun:
    info = research.sweep(sweep_id)
    row = next((r for r in research.variants(sweep_id) if r.seq == seq), None)
    if row is None:
        raise UsageError(f"sweep {sweep_id} has no variant {seq} (see 'plutarc research show "
                         f"{sweep_id}')")
    if row.status != OK:
        raise UsageError(f"variant {seq} of sweep {sweep_id} was not run: {row.message}")
    request = BacktestRequest.model_validate(info["spec"]["request"])
    template = apply_variant(load_template(request.template), row.params)
    template_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = template_dir / f"{template.name}-sweep{sweep_id}-v{seq}.toml"
    path.write_text(template_to_toml(template))
    result = run_request(request.model_copy(update={"template": str(path)}), results)
    same = json.loads(json.dumps(result.metrics.to_dict(), default=str)) == row.metrics
    return Rerun(result, row.params, path, same)
