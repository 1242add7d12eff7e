"""The equity curve of a run, bar by bar: realised results plus the open trade marked at close."""

from __future__ import annotations

import numpy as np

from plutarc.models import ContractKind, Instrument, Trade
from plutarc.strategy.series import Bars

# (entry_ts_ms, exit_ts_ms, sign, qty, entry price, net pnl; None for the open trade)
_Span = tuple[int, int, int, float, float, float | None]


def equity_curve(bars: Bars, trades: list[Trade], instrument: Instrument, start_cash: float,
                 open_trade: tuple[int, int, float, float, float] | None = None) -> np.ndarray:
    """Equity at each bar's close. ``open_trade`` = (entry_ts_ms, sign, qty, entry, fees) for
    a position still open at the end (marked at close, its entry fees paid, no exit fee)."""
    spans: list[_Span] = [(t.entry_ts_ms, t.exit_ts_ms, t.direction.sign, float(t.qty),
                           float(t.entry_price), float(t.net_pnl)) for t in trades]
    open_fees = 0.0
    if open_trade is not None:
        ts, sign, qty, entry, open_fees = open_trade
        spans.append((ts, int(bars.ts_ms[-1]) + bars.interval_ms, sign, qty, entry, None))
    mult = float(instrument.multiplier)
    inverse = instrument.kind is ContractKind.INVERSE
    curve = _vectorised(bars, spans, mult, inverse, open_fees) if spans else None
    if curve is None:
        curve = _per_span(bars, spans, mult, inverse, open_fees)
    realised, unreal = curve
    return start_cash + np.cumsum(realised) + unreal


def _vectorised(bars: Bars, spans: list[_Span], mult: float, inverse: bool,
                open_fees: float) -> tuple[np.ndarray, np.ndarray] | None:
    """``_per_span`` in whole-array steps, for the usual case of one trade at a time in time
    order: every bar is then marked by at most one trade, with the same float operations in
    the same order, so the curve is bit-for-bit ``_per_span``'s. None in any other case."""
    n = len(bars)
    entry_ts, exit_ts, sign, qty, entry = (
        np.array(col) for col in list(zip(*spans, strict=True))[:5])
    opened = spans[-1][5] is None
    raw_a = np.searchsorted(bars.ts_ms, entry_ts, side="right") - 1
    b = np.searchsorted(bars.ts_ms, exit_ts, side="right") - 1
    stop = b.copy()
    if opened:
        stop[-1] = n
    if (raw_a < 0).any() or (stop < raw_a).any() or (raw_a[1:] < stop[:-1]).any():
        return None
    lengths = stop - raw_a
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(spans)), lengths)
    pos = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths) + raw_a[owner]
    coef = (sign * qty * mult)[owner]  # the same left-to-right products as _per_span's
    unreal = np.zeros(n)
    if inverse:
        unreal[pos] += coef * (1.0 / entry[owner] - 1.0 / bars.close[pos])
    else:
        unreal[pos] += coef * (bars.close[pos] - entry[owner])
    realised = np.zeros(n)
    closed = len(spans) - opened
    net = np.array([s[5] for s in spans[:closed]], dtype=float)
    inside = b[:closed] < n
    np.add.at(realised, b[:closed][inside], net[inside])  # in trade order, as _per_span adds
    if opened:
        realised[raw_a[-1]] -= open_fees
    return realised, unreal


def _per_span(bars: Bars, spans: list[_Span], mult: float, inverse: bool,
              open_fees: float) -> tuple[np.ndarray, np.ndarray]:
    n = len(bars)
    realised = np.zeros(n)
    unreal = np.zeros(n)
    close = bars.close
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
    return realised, unreal


def drawdown(equity: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(drawdown series as a fraction of the peak, max drawdown value, max drawdown fraction)."""
    peak = np.maximum.accumulate(equity)
    dd_value = peak - equity
    with np.errstate(divide="ignore", invalid="ignore"):
        dd_frac = np.where(peak > 0, dd_value / peak, 0.0)
    return dd_frac, float(dd_value.max(initial=0.0)), float(dd_frac.max(initial=0.0))
