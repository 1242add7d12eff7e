"""The equity curve of a run, bar by bar: realised results plus the open trade marked at close."""

from __future__ import annotations

import numpy as np

from plutarc.models import ContractKind, Instrument, Trade
from plutarc.strategy.series import Bars


def equity_curve(bars: Bars, trades: list[Trade], instrument: Instrument, start_cash: float,
                 open_trade: tuple[int, int, float, float, float] | None = None) -> np.ndarray:
    """Equity at each bar's close. ``open_trade`` = (entry_ts_ms, sign, qty, entry, fees) for
    a position still open at the end (marked at close, its entry fees paid, no exit fee)."""
    n = len(bars)
    realised = np.zeros(n)
    unreal = np.zeros(n)
    close = bars.close
    mult = float(instrument.multiplier)
    inverse = instrument.kind is ContractKind.INVERSE
    spans = [(t.entry_ts_ms, t.exit_ts_ms, t.direction.sign, float(t.qty), float(t.entry_price),
              float(t.net_pnl)) for t in trades]
    open_fees = 0.0
    if open_trade is not None:
        ts, sign, qty, entry, open_fees = open_trade
        spans.append((ts, int(bars.ts_ms[-1]) + bars.interval_ms, sign, qty, entry, None))
    for entry_ts, exit_ts, sign, qty, entry, net in spans:
        a = int(np.searchsorted(bars.ts_ms, entry_ts, side="right")) - 1
        b = int(np.searchsorted(bars.ts_ms, exit_ts, side="right")) - 1
        a = max(a, 0)
        seg = close[a:b] if net is not None else close[a:]
        if inverse:
            unreal[a:a + seg.size] += sign * qty * mult * (1.0 / entry - 1.0 / seg)
        else:
            unreal[a:a + seg.size] += sign * qty * mult * (seg - entry)
        if net is not None and b < n:
            realised[b] += net
        elif net is None:
            realised[a] -= open_fees
    return start_cash + np.cumsum(realised) + unreal


def drawdown(equity: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(drawdown series as a fraction of the peak, max drawdown value, max drawdown fraction)."""
    peak = np.maximum.accumulate(equity)
    dd_value = peak - equity
    with np.errstate(divide="ignore", invalid="ignore"):
        dd_frac = np.where(peak > 0, dd_value / peak, 0.0)
    return dd_frac, float(dd_value.max(initial=0.0)), float(dd_frac.max(initial=0.0))
