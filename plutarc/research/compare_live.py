"""Backtest vs live: replay the candles of a bot's span through the backtester and diff its
decisions, trigger close by trigger close, against the decisions the bot recorded; name the
first divergence and its cause class.

The daemon records decisions (time, action, score, skip reasons), not the candles a bot
received, so the replay uses a candle file of the same market; a decision the bot made on
candles the file lacks (or lacked on candles the file has) shows up as a data gap. The
caller (the CLI, through the daemon API) supplies the decisions and the template history:
nothing here reads the daemon's database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from plutarc.backtest.request import BacktestRequest
from plutarc.backtest.service import execute, prepare
from plutarc.research.evaluate import warmup_of
from plutarc.strategy.template import Template

CAUSES = ("data gap", "config change mid-run", "risk gate", "fill difference", "latency",
          "candles differ")
SCORE_TOL = 1e-9


@dataclass(frozen=True)
class LiveDecision:
    ts_ms: int
    action: str  # plutarc.strategy.decision.Action value
    score: float | None
    skip_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateChange:
    """The template a bot ran from ``ts_ms`` on (its first entry: from the start)."""

    ts_ms: int
    template: Template


@dataclass
class Divergence:
    ts_ms: int
    cause: str
    detail: str
    live: dict[str, Any] | None
    backtest: dict[str, Any] | None


@dataclass
class CompareReport:
    compared: int
    matched: int
    divergences: list[Divergence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.divergences

    @property
    def first(self) -> Divergence | None:
        return self.divergences[0] if self.divergences else None


@dataclass(frozen=True)
class _Row:
    ts_ms: int
    score: float | None
    acted: bool


def replay(request: BacktestRequest, template: Template, start_ms: int,
           end_ms: int) -> tuple[dict[int, _Row], np.ndarray, int]:
    """The backtester's decisions over [start_ms, end_ms): by close time; the bars' open
    times; the trigger interval in ms."""
    req = request.model_copy(update={"start": str(start_ms), "end": str(end_ms)})
    base = prepare(req, warmup_bars=0)
    prep = prepare(req, warmup_bars=warmup_of(template, base.loaded.bars.interval_ms))
    out = execute(prep, template).outcome
    dec = out.decisions
    rows = {}
    for r in range(len(dec)):
        ts = int(dec.ts_ms[r])
        if start_ms <= ts <= end_ms:
            s = float(dec.score[r])
            rows[ts] = _Row(ts, None if math.isnan(s) else s, bool(out.actions[r]))
    return rows, prep.loaded.bars.ts_ms, _trigger_ms(template)


def _trigger_ms(template: Template) -> int:
    from plutarc.intervals import interval_ms

    return interval_ms(template.trigger_interval)


def _same_score(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= SCORE_TOL * max(1.0, abs(a), abs(b))


def _missing_bars(bar_ts: np.ndarray, close_ms: int, trigger_ms: int, base_ms: int) -> int:
    """Base bars absent from the file in the trigger bar closing at ``close_ms``."""
    lo, hi = np.searchsorted(bar_ts, [close_ms - trigger_ms, close_ms])
    return trigger_ms // base_ms - int(hi - lo)


def compare_live(request: BacktestRequest, history: list[TemplateChange],
                 live: list[LiveDecision], start_ms: int, end_ms: int) -> CompareReport:
    """Diff ``live`` against a replay of the template in effect at ``start_ms``; the
    template history explains a divergence after a change."""
    history = sorted(history, key=lambda c: c.ts_ms)
    first_tpl = [c for c in history if c.ts_ms <= start_ms] or history[:1]
    template = first_tpl[-1].template
    bt, bar_ts, trig = replay(request, template, start_ms, end_ms)
    base_ms = int(np.min(np.diff(bar_ts))) if len(bar_ts) > 1 else 60_000
    live_by_ts = {d.ts_ms: d for d in live if start_ms <= d.ts_ms <= end_ms}
    report = CompareReport(0, 0)
    later = [c for c in history if c.ts_ms > start_ms and c.template != template]
    for ts in sorted(set(bt) | set(live_by_ts)):
        b, lv = bt.get(ts), live_by_ts.get(ts)
        report.compared += 1
        if b and lv and _same_score(b.score, lv.score) and b.acted == (lv.action != "none"):
            report.matched += 1
            continue
        report.divergences.append(_classify(request, ts, b, lv, later, bar_ts, trig, base_ms,
                                            end_ms))
    if not live_by_ts:
        report.notes.append("the bot recorded no decision in this span")
    report.notes.append("compared: trigger-close times, combined scores and whether the bot "
                        "acted; fills are not compared")
    return report


def _as_dict(row: _Row | LiveDecision | None) -> dict[str, Any] | None:
    if row is None:
        return None
    if isinstance(row, LiveDecision):
        return {"action": row.action, "score": row.score, "skip_reasons": list(row.skip_reasons)}
    return {"acted": row.acted, "score": row.score}


def _classify(request: BacktestRequest, ts: int, b: _Row | None, lv: LiveDecision | None,
              later: list[TemplateChange], bar_ts: np.ndarray, trig: int, base_ms: int,
              end_ms: int) -> Divergence:
    def div(cause: str, detail: str) -> Divergence:
        return Divergence(ts, cause, detail, _as_dict(lv), _as_dict(b))

    if lv is not None and ts % trig:
        return div("latency", "the bot decided off a trigger close (a late or early candle)")
    if b is None or lv is None:
        missing = _missing_bars(bar_ts, ts, trig, base_ms)
        side = "the file" if b is None else "the bot"
        if b is None and missing:
            return div("data gap", f"the file lacks {missing} bars of this trigger candle")
        return div("data gap", f"no decision by {side} at this trigger close: the bot did not "
                               "receive (or the file lacks) this candle")
    changed = [c for c in later if c.ts_ms <= ts]
    if changed:
        again, _, _ = replay(request, changed[-1].template, changed[-1].ts_ms, end_ms)
        other = again.get(ts)
        if other and _same_score(other.score, lv.score):
            return div("config change mid-run", "the template changed at "
                       f"{changed[-1].ts_ms}; the changed template reproduces the bot")
    if not _same_score(b.score, lv.score):
        return div("candles differ", "same template, different score: the bot's candles "
                   "before this close differ from the file (a missing or revised candle)")
    if any(r.startswith("risk") for r in lv.skip_reasons):
        return div("risk gate", "the bot's risk gate refused what the backtest did")
    return div("fill difference", "same signal, different action: the position the bot held "
               "differed (an earlier fill)")
