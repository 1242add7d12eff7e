"""Worker side of a sweep: run one template variant over data prepared once, on the same
``backtest.service.execute`` path as ``plutarc backtest run``.

The prepared data travels to each worker once (a pool initializer, or a Dask scatter); each
variant then trims the warm-up to its own, so its figures equal a lone ``backtest run`` of
the same template on the same request.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import replace
from typing import Any

import numpy as np

from plutarc.backtest.data.loader import fingerprint
from plutarc.backtest.service import Prepared, execute
from plutarc.errors import PlutarcError
from plutarc.strategy.engine import StrategyEngine
from plutarc.strategy.template import Template

EQUITY_POINTS = 1000
"""Equity points a variant returns when asked (walk-forward stitches them)."""

_PREPARED: Prepared | None = None


def warmup_of(template: Template, base_ms: int) -> int:
    return StrategyEngine(template, base_ms).warmup_base_bars


def trimmed(prep: Prepared, warmup: int) -> Prepared:
    """``prep`` with only ``warmup`` bars before the requested start, as a lone run loads it.
    Without a start the data begins at its first bar for every template: nothing to trim."""
    loaded = prep.loaded
    cut = loaded.warmup_start_index - warmup
    if prep.request.start is None or cut <= 0:
        return prep
    bars = loaded.bars.slice(cut, len(loaded.bars))
    first = int(bars.ts_ms[0])
    notes = [n for n in loaded.notes if "warm-up bars exist" not in n]
    gaps = [g for g in loaded.gaps if first < g.start_ms]
    return replace(prep, loaded=replace(
        loaded, bars=bars, warmup_start_index=warmup, fingerprint=fingerprint(bars),
        first_ms=first, gaps=gaps, notes=notes))


def evaluate(prep: Prepared, template: Template, want_equity: bool = False) -> dict[str, Any]:
    """One variant: its metrics, the fingerprint of the data it saw, and its duration."""
    started = time.perf_counter()
    mine = trimmed(prep, warmup_of(template, prep.loaded.bars.interval_ms))
    done = execute(mine, template)
    out: dict[str, Any] = {
        "metrics": done.metrics.to_dict(),
        "final_equity": float(done.outcome.final_equity),
        "fingerprint": mine.loaded.fingerprint,
        "first_ms": int(mine.loaded.bars.ts_ms[0]),
        "last_ms": int(mine.loaded.bars.ts_ms[-1]),
        "duration_s": time.perf_counter() - started,
    }
    if want_equity:
        step = max(1, len(done.equity) // EQUITY_POINTS)
        idx = np.unique(np.r_[np.arange(0, len(done.equity), step), len(done.equity) - 1])
        out["equity_ts_ms"] = done.window.ts_ms[idx].tolist()
        out["equity"] = np.asarray(done.equity)[idx].tolist()
    return out


def init_worker(prep: Prepared) -> None:
    """Pool initializer: keep the prepared data for every task this process runs."""
    global _PREPARED
    _PREPARED = prep


def evaluate_safely(prep: Prepared, template: Template, want_equity: bool = False
                    ) -> dict[str, Any]:
    """``evaluate``, with a variant's own failure (a strategy error, say) returned as
    ``{"error": message}`` so that one bad variant does not end the sweep."""
    try:
        return evaluate(prep, template, want_equity)
    except PlutarcError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


_SCATTERED: tuple[Prepared, Prepared] | None = None  # (as received, local copy)


def evaluate_scattered(prep: Prepared, template: Template, want_equity: bool = False
                       ) -> dict[str, Any]:
    """``evaluate_safely`` on a Dask worker. Scattered arrays can arrive unaligned in the
    network buffers, and numpy then copies a whole array on every ``searchsorted``: a run
    took 10x longer. The first task on a worker makes one aligned local copy; the rest
    reuse it (the received object is kept so its id cannot be reused)."""
    global _SCATTERED
    if _SCATTERED is None or _SCATTERED[0] is not prep:
        _SCATTERED = (prep, pickle.loads(pickle.dumps(prep, protocol=pickle.HIGHEST_PROTOCOL)))
    return evaluate_safely(_SCATTERED[1], template, want_equity)


def evaluate_in_worker(template: Template, want_equity: bool = False) -> dict[str, Any]:
    if _PREPARED is None:
        raise RuntimeError("research worker started without its data (init_worker)")
    return evaluate_safely(_PREPARED, template, want_equity)
