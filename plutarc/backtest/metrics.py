"""Backtest metrics, computed from the trade list and the equity curve."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from plutarc.backtest.equity import drawdown
from plutarc.models import Trade

DAY_MS = 86_400_000
OPEN = "open"  # exit_reason of the position still open at the end, marked to the last close


@dataclass
class GroupStats:
    trades: int = 0
    net_pnl: float = 0.0
    win_rate: float = 0.0
    profit_factor: float | None = None


@dataclass
class Metrics:
    """Per-trade figures count every position opened: one still open at the end is in
    ``trades`` marked to the last close (no exit fee), and named in ``open_position``."""

    net_pnl: float
    roi_pct: float
    trades: int
    win_rate: float
    profit_factor: float | None
    expectancy: float
    avg_win: float
    avg_loss: float
    max_consecutive_wins: int
    max_consecutive_losses: int
    max_drawdown: float  # on the equity marked at every bar's close
    max_drawdown_pct: float
    max_drawdown_closed: float  # on the equity after each closed trade only
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    fees: float
    funding: float
    exposure_pct: float
    hold_minutes: dict[str, float]
    avg_mfe_pct: float
    avg_mae_pct: float
    long: GroupStats
    short: GroupStats
    skip_reasons: dict[str, int] = field(default_factory=dict)
    regimes: dict[str, GroupStats] = field(default_factory=dict)
    open_trades: int = 0  # positions still open at the end (0 or 1), included in trades
    open_position: dict[str, Any] | None = None  # that position, marked to the last close
    orders_refused: dict[str, int] = field(default_factory=dict)  # by the venue: margin, venue
    ruined_at_ms: int | None = None  # the first margin refusal after which nothing opened
    risk_limits: dict[str, Any] | None = None  # the bot's risk gate the run applied; None: off
    risk_refusals: dict[str, int] = field(default_factory=dict)  # gate rule -> entries refused
    funding_payments: int = 0  # funding times at which a held position paid or received
    funding_note: str | None = None  # where the funding came from, or that none was charged

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def profit_factor(pnls: Sequence[float]) -> float | None:
    gains = sum(p for p in pnls if p > 0)
    losses = -sum(p for p in pnls if p < 0)
    if losses == 0:
        return None if gains == 0 else math.inf
    return gains / losses


def _group(pnls: list[float]) -> GroupStats:
    if not pnls:
        return GroupStats()
    wins = sum(1 for p in pnls if p > 0)
    return GroupStats(len(pnls), float(sum(pnls)), wins / len(pnls), profit_factor(pnls))


def _streaks(pnls: list[float]) -> tuple[int, int]:
    best_w = best_l = w = lo = 0
    for p in pnls:
        if p > 0:
            w, lo = w + 1, 0
        else:
            w, lo = 0, lo + 1
        best_w, best_l = max(best_w, w), max(best_l, lo)
    return best_w, best_l


def _daily_returns(equity: np.ndarray, ts_ms: np.ndarray) -> np.ndarray:
    day = ts_ms // DAY_MS
    last = np.flatnonzero(np.r_[day[1:] != day[:-1], True])
    daily = equity[last]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.diff(daily) / np.abs(daily[:-1])
    return r[np.isfinite(r)]


def compute_metrics(trades: list[Trade], equity: np.ndarray, ts_ms: np.ndarray,
                    start_cash: float, fees: float, funding: float,
                    in_position_bars: int, skip_reasons: dict[str, int],
                    regimes: list[tuple[str, str]]) -> Metrics:
    """``trades`` ends with the open position marked to the last close, if one is open."""
    pnls = [float(t.net_pnl) for t in trades]
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p <= 0]
    final = float(equity[-1]) if equity.size else start_cash
    _, dd_value, dd_frac = drawdown(equity) if equity.size else (None, 0.0, 0.0)
    rets = _daily_returns(equity, ts_ms) if equity.size else np.empty(0)
    sharpe = sortino = calmar = None
    if rets.size > 1 and rets.std(ddof=1) > 0:
        sharpe = float(rets.mean() / rets.std(ddof=1) * math.sqrt(365))
        downside = rets[rets < 0]
        if downside.size > 1 and downside.std(ddof=1) > 0:
            sortino = float(rets.mean() / np.sqrt((downside**2).mean()) * math.sqrt(365))
    days = (ts_ms[-1] - ts_ms[0]) / DAY_MS if ts_ms.size > 1 else 0
    if days > 0 and dd_frac > 0 and start_cash > 0 and final > 0:
        annual = (final / start_cash) ** (365.0 / days) - 1.0
        calmar = float(annual / dd_frac)
    holds = np.array([t.hold_ms / 60_000 for t in trades]) if trades else np.zeros(0)
    hold = ({"min": float(holds.min()), "median": float(np.median(holds)),
             "mean": float(holds.mean()), "p90": float(np.percentile(holds, 90)),
             "max": float(holds.max())} if holds.size else {})
    w_streak, l_streak = _streaks(pnls)
    by_regime: dict[str, list[float]] = {}
    for pnl, (trend, vol) in zip(pnls, regimes, strict=False):
        by_regime.setdefault(trend, []).append(pnl)
        by_regime.setdefault(vol, []).append(pnl)
    return Metrics(
        net_pnl=final - start_cash,
        roi_pct=(final - start_cash) / start_cash * 100 if start_cash else 0.0,
        trades=len(trades),
        win_rate=len(wins) / len(pnls) if pnls else 0.0,
        profit_factor=profit_factor(pnls),
        expectancy=float(np.mean(pnls)) if pnls else 0.0,
        avg_win=float(np.mean(wins)) if wins else 0.0,
        avg_loss=float(np.mean(losses)) if losses else 0.0,
        max_consecutive_wins=w_streak,
        max_consecutive_losses=l_streak,
        max_drawdown=dd_value,
        max_drawdown_pct=dd_frac * 100,
        max_drawdown_closed=drawdown(start_cash + np.cumsum([0.0, *pnls]))[1],
        sharpe=sharpe, sortino=sortino, calmar=calmar,
        fees=fees, funding=funding,
        exposure_pct=in_position_bars / max(len(ts_ms), 1) * 100,
        hold_minutes=hold,
        avg_mfe_pct=float(np.mean([t.mfe for t in trades]) * 100) if trades else 0.0,
        avg_mae_pct=float(np.mean([t.mae for t in trades]) * 100) if trades else 0.0,
        long=_group([float(t.net_pnl) for t in trades if t.direction.sign > 0]),
        short=_group([float(t.net_pnl) for t in trades if t.direction.sign < 0]),
        skip_reasons=dict(sorted(skip_reasons.items(), key=lambda kv: -kv[1])),
        regimes={k: _group(v) for k, v in sorted(by_regime.items())},
        open_trades=sum(1 for t in trades if t.exit_reason == OPEN),
        open_position=next((open_position(t) for t in trades if t.exit_reason == OPEN), None),
    )


def open_position(t: Trade) -> dict[str, Any]:
    """The position still open at the end of a run, as the report states it."""
    return {"direction": t.direction.value, "qty": str(t.qty), "entry_ts_ms": t.entry_ts_ms,
            "entry_price": str(t.entry_price), "mark_ts_ms": t.exit_ts_ms,
            "mark_price": str(t.exit_price), "unrealised_pnl": float(t.net_pnl)}
