"""The promotion gate's arithmetic: a stored walk-forward's out-of-sample figures, pooled over
its windows, checked against the user's thresholds (``[research]`` in the settings).

Pure and light (no pandas): the daemon runs it. Figures are pooled, never averaged per window,
so one lucky window cannot carry the rest:
- profit factor: gross profit over gross loss of every out-of-sample trade (each window's
  gross profit and loss are recovered from its net PnL and profit factor);
- drawdown: the deepest fall of the stitched out-of-sample equity;
- degradation: 1 - (OOS net per trade) / (IS net per trade) over the windows that chose a
  variant; an in-sample figure at or below zero leaves nothing to keep (degradation inf).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError

from plutarc.config import PromotionThresholds
from plutarc.errors import UsageError
from plutarc.validation import describe_validation_error

# threshold field -> (figure it bounds, ">=" or "<=")
RULES: dict[str, tuple[str, str]] = {
    "min_windows": ("windows", ">="),
    "min_oos_trades": ("oos_trades", ">="),
    "min_oos_profit_factor": ("oos_profit_factor", ">="),
    "min_oos_expectancy": ("oos_expectancy", ">="),
    "min_oos_net_pnl": ("oos_net_pnl", ">="),
    "max_oos_drawdown_pct": ("oos_max_drawdown_pct", "<="),
    "min_positive_windows": ("positive_window_share", ">="),
    "max_degradation": ("degradation", "<="),
}


@dataclass(frozen=True)
class Check:
    threshold: str
    figure: str
    value: float | None
    op: str
    limit: float
    passed: bool

    def line(self) -> str:
        shown = "none" if self.value is None else f"{self.value:.4g}"
        return (f"{'PASS' if self.passed else 'FAIL'} {self.threshold}: {self.figure} "
                f"{shown} (needs {self.op} {self.limit:g})")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (an infinite figure, e.g. no losing trade, is the string "inf")."""
        out = asdict(self)
        if self.value is not None and math.isinf(self.value):
            out["value"] = "inf" if self.value > 0 else "-inf"
        return {**out, "line": self.line()}


def thresholds_with(base: PromotionThresholds, overrides: dict[str, Any]) -> PromotionThresholds:
    """``base`` with the per-call overrides, validated like the settings file."""
    raw = {k: getattr(base, k) for k in PromotionThresholds.model_fields}
    try:
        return PromotionThresholds.model_validate({**raw, **overrides})
    except ValidationError as exc:
        raise UsageError("; ".join(describe_validation_error(
            exc, PromotionThresholds, "thresholds"))) from None


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _gross(metrics: dict[str, Any]) -> tuple[float, float]:
    """(gross profit, gross loss) of one window, from its net PnL and profit factor."""
    net, pf = _num(metrics.get("net_pnl")) or 0.0, _num(metrics.get("profit_factor"))
    if pf is None:
        return 0.0, 0.0
    if math.isinf(pf):
        return max(net, 0.0), 0.0
    if abs(pf - 1.0) < 1e-12:
        return 0.0, 0.0  # breakeven: pooled it neither helps nor hurts
    loss = net / (pf - 1.0)
    return pf * loss, loss


def max_drawdown_pct(curve: list[Any]) -> float:
    peak, worst = -math.inf, 0.0
    for _, value in curve:
        peak = max(peak, float(value))
        if peak > 0:
            worst = max(worst, (peak - float(value)) / peak * 100.0)
    return worst


def figures(report: dict[str, Any]) -> dict[str, float | None]:
    """The pooled out-of-sample figures of a stored walk-forward report."""
    windows = report.get("windows", [])
    oos = [w.get("oos_metrics") or {} for w in windows]
    trades = sum(int(_num(m.get("trades")) or 0) for m in oos)
    net = sum(_num(m.get("net_pnl")) or 0.0 for m in oos)
    gains = losses = 0.0
    for m in oos:
        g, lo = _gross(m)
        gains, losses = gains + g, losses + lo
    pf = (math.inf if gains > 0 else None) if losses == 0 else gains / losses
    chose = [w for w in windows if w.get("chosen")]
    is_trades = sum(int(_num((w.get("is_metrics") or {}).get("trades")) or 0) for w in chose)
    is_net = sum(_num((w.get("is_metrics") or {}).get("net_pnl")) or 0.0 for w in chose)
    oos_chosen = [w.get("oos_metrics") or {} for w in chose]
    c_trades = sum(int(_num(m.get("trades")) or 0) for m in oos_chosen)
    c_net = sum(_num(m.get("net_pnl")) or 0.0 for m in oos_chosen)
    is_exp = is_net / is_trades if is_trades else None
    oos_exp = c_net / c_trades if c_trades else 0.0
    degradation = (math.inf if is_exp is None or is_exp <= 0 else 1.0 - oos_exp / is_exp)
    positive = sum(1 for m in oos if (_num(m.get("net_pnl")) or 0.0) > 0)
    return {
        "windows": float(len(windows)),
        "oos_trades": float(trades),
        "oos_profit_factor": pf,
        "oos_expectancy": net / trades if trades else None,
        "oos_net_pnl": net,
        "oos_max_drawdown_pct": max_drawdown_pct(report.get("stitched") or []),
        "positive_window_share": positive / len(windows) if windows else None,
        "degradation": degradation,
    }


def check(figs: dict[str, float | None], limits: PromotionThresholds) -> list[Check]:
    """Every threshold against its figure; a missing figure (no trade) fails."""
    out = []
    for name, (figure, op) in RULES.items():
        value, limit = figs.get(figure), float(getattr(limits, name))
        ok = value is not None and (value >= limit if op == ">=" else value <= limit)
        out.append(Check(name, figure, value, op, limit, ok))
    return out
