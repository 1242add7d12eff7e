"""CandleChart: a bot's recent candles with its entries, exits, open entry and stop level.

Built from plain data (candles as the API sends them, the bot's trades and open orders), so the
same picture comes from GET /v1/bots/{ref}/candles or from a test's list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from textual_plotext import PlotextPlot

from plutarc.daemon.store import OrderRecord, PositionRecord, TradeRecord
from plutarc.models import Direction


class Candle(Protocol):
    ts_ms: int
    open: float
    high: float
    low: float
    close: float


@dataclass
class CandleView:
    """Everything the chart draws; x is the candle's index (0 = the oldest shown)."""

    symbol: str
    x: list[int] = field(default_factory=list)
    open: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    close: list[float] = field(default_factory=list)
    long_entries: list[tuple[int, float]] = field(default_factory=list)
    short_entries: list[tuple[int, float]] = field(default_factory=list)
    exits: list[tuple[int, float]] = field(default_factory=list)
    entry_level: float | None = None
    stop_level: float | None = None


def _index(ts_ms: int, start_ms: int, interval_ms: int, count: int) -> int | None:
    """The candle holding ``ts_ms``, or None outside the window."""
    i = (ts_ms - start_ms) // interval_ms
    return int(i) if 0 <= i < count else None


def candle_view(symbol: str, candles: Sequence[Candle], trades: Sequence[TradeRecord] = (),
                positions: Sequence[PositionRecord] = (),
                orders: Sequence[OrderRecord] = ()) -> CandleView:
    view = CandleView(symbol)
    if not candles:
        return view
    start = candles[0].ts_ms
    interval = candles[1].ts_ms - start if len(candles) > 1 else 60_000
    if interval <= 0:
        raise ValueError(f"candles must be oldest first, got {start} then {candles[1].ts_ms}")
    for i, c in enumerate(candles):
        view.x.append(i)
        view.open.append(c.open)
        view.high.append(c.high)
        view.low.append(c.low)
        view.close.append(c.close)
    n = len(candles)
    for t in trades:
        if t.symbol != symbol:
            continue
        entry = _index(t.entry_ts_ms, start, interval, n)
        if entry is not None:
            side = view.long_entries if t.direction is Direction.LONG else view.short_entries
            side.append((entry, float(t.entry_price)))
        exit_at = _index(t.exit_ts_ms, start, interval, n)
        if exit_at is not None:
            view.exits.append((exit_at, float(t.exit_price)))
    held = [p for p in positions if p.symbol == symbol and p.qty != 0 and p.entry_price]
    if held:
        view.entry_level = float(held[0].entry_price)  # type: ignore[arg-type]
    stops = [o.stop_price for o in orders if o.symbol == symbol and o.stop_price is not None]
    if stops:
        view.stop_level = float(stops[-1])  # type: ignore[arg-type]
    return view


class CandleChart(PlotextPlot):
    view: CandleView | None = None
    """What the chart draws now."""

    def show(self, view: CandleView, empty: str = "") -> None:
        self.view = view
        plt = self.plt
        plt.clear_data()
        if not view.x:
            plt.title(empty or f"no candles for {view.symbol}")
            self.refresh()
            return
        plt.candlestick(view.x, {"Open": view.open, "Close": view.close, "High": view.high,
                                 "Low": view.low})
        for points, marker, color in ((view.long_entries, "▲", "green"),
                                      (view.short_entries, "▼", "red"),
                                      (view.exits, "x", "yellow")):
            if points:
                plt.scatter([p[0] for p in points], [p[1] for p in points], marker=marker,
                            color=color)
        title = f"{view.symbol}: last {len(view.x)} candles"
        for name, level, color in (("entry", view.entry_level, "blue"),
                                   ("stop", view.stop_level, "red")):
            if level is None:
                continue
            title += f"  {name} {level:g}"
            where = off_chart(level, view)
            if where:
                title += f" ({where})"
            else:
                plt.hline(level, color)
        plt.title(title)
        self.refresh()


def off_chart(level: float, view: CandleView) -> str:
    """'above'/'below' when drawing ``level`` would squash the candles into a few rows (a
    stop far from a quiet market); '' when it can be drawn as a line among them."""
    low, high = min(view.low), max(view.high)
    margin = max(high - low, abs(high) * 1e-4)
    if level < low - margin:
        return "below"
    if level > high + margin:
        return "above"
    return ""
