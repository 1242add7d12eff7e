"""The look-ahead probe: a strategy's decisions up to a time must not change when later bars
are appended. A walk-forward runs it on every chosen variant; a template that fails would
let out-of-sample bars steer in-sample choices (and live could never reproduce it)."""

from __future__ import annotations

import numpy as np

from plutarc.backtest.request import BacktestRequest
from plutarc.backtest.service import execute, prepare
from plutarc.errors import PlutarcError
from plutarc.research.evaluate import warmup_of
from plutarc.strategy.decision import DecisionBatch
from plutarc.strategy.template import Template


class LookAheadError(PlutarcError):
    """A template's past decisions changed when future bars were appended."""

    exit_code = 1


def _rows(dec: DecisionBatch, until_ms: int) -> tuple[np.ndarray, ...]:
    keep = dec.ts_ms < until_ms
    return (dec.ts_ms[keep], dec.score[keep], dec.direction[keep], dec.allowed[keep])


def first_divergence(request: BacktestRequest, template: Template, start_ms: int,
                     cut_ms: int, later_ms: int) -> int | None:
    """The first decision time before ``cut_ms`` that differs between data ending at
    ``cut_ms`` and data ending at ``later_ms``; None when the template is causal there."""
    runs = []
    for end in (cut_ms, later_ms):
        req = request.model_copy(update={"start": str(start_ms), "end": str(end)})
        prep = prepare(req, warmup_bars=0)
        prep = prepare(req, warmup_bars=warmup_of(template, prep.loaded.bars.interval_ms))
        runs.append(_rows(execute(prep, template).outcome.decisions, cut_ms))
    (ts_a, *a), (ts_b, *b) = runs
    n = min(len(ts_a), len(ts_b))
    if len(ts_a) != len(ts_b) or not np.array_equal(ts_a, ts_b):
        diff = np.flatnonzero(ts_a[:n] != ts_b[:n])
        return int(ts_a[diff[0]] if diff.size else ts_a[n] if len(ts_a) > n else ts_b[n])
    bad = np.zeros(n, dtype=bool)
    for x, y in zip(a, b, strict=True):
        bad |= ~((x == y) | (np.isnan(x) & np.isnan(y)) if x.dtype.kind == "f" else x == y)
    return int(ts_a[np.argmax(bad)]) if bad.any() else None
