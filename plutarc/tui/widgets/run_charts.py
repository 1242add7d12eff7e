"""Charts of a stored backtest run: equity against dates, and the price with its entries and
exits (thinned evenly on long runs: the daemon says which share is drawn)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from textual_plotext import PlotextPlot

DAY_MS = 86_400_000
TICKS = 4


def date_ticks(ts_ms: Sequence[int], ticks: int = TICKS) -> tuple[list[float], list[str]]:
    """Positions (days since the first point) and their date labels for the x axis; hours
    and minutes too when the whole span is under two days."""
    if not ts_ms:
        return [], []
    start, end = ts_ms[0], ts_ms[-1]
    form = "%m-%d %H:%M" if end - start < 2 * DAY_MS else "%Y-%m-%d"
    steps = max(1, ticks - 1)
    at = [start + (end - start) * k // steps for k in range(steps + 1)]
    return ([(t - start) / DAY_MS for t in at],
            [datetime.fromtimestamp(t / 1000, UTC).strftime(form) for t in at])


def _days(ts_ms: Sequence[int]) -> list[float]:
    start = ts_ms[0] if ts_ms else 0
    return [(t - start) / DAY_MS for t in ts_ms]


class DatedChart(PlotextPlot):
    """A line over time with dates on the x axis."""

    points = 0
    """How many points of the line are drawn."""

    def line(self, ts_ms: Sequence[int], values: Sequence[float], title: str,
             empty: str = "nothing to draw yet") -> bool:
        if len(ts_ms) != len(values):
            raise ValueError(f"{len(ts_ms)} times for {len(values)} values")
        self.points = len(values)
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if not values:
            plt.title(empty)
            self.refresh()
            return False
        plt.plot(_days(ts_ms), list(values), marker="braille")
        plt.xticks(*date_ticks(ts_ms))
        plt.title(title)
        return True


class EquityDates(DatedChart):
    def show(self, ts_ms: Sequence[int], equity: Sequence[float], title: str) -> None:
        self.line(ts_ms, equity, title)
        self.refresh()


class RunPriceChart(DatedChart):
    """The run's close price with long entries ▲, short entries ▼ and exits x."""

    markers_drawn = 0
    title_text = ""
    """The chart's title as drawn (which trades, or which trade it is zoomed on)."""

    def show(self, price: Mapping[str, Sequence[Any]], marks: Mapping[str, Any],
             symbol: str, title: str | None = None) -> None:
        ts_ms, close = list(price.get("ts_ms", ())), list(price.get("close", ()))
        if not self.line(ts_ms, close, symbol, empty=f"{symbol}: no price stored with this "
                         "run (runs from before the price series was kept)"):
            self.markers_drawn = 0
            return
        start = ts_ms[0]
        entries = marks.get("entries", [])
        exits = marks.get("exits", [])
        plt = self.plt
        for side, marker, color in (("long", "▲", "green"), ("short", "▼", "red")):
            points = [(t, p) for d, t, p in entries if d == side]
            if points:
                plt.scatter([(t - start) / DAY_MS for t, _ in points], [p for _, p in points],
                            marker=marker, color=color)
        if exits:
            plt.scatter([(t - start) / DAY_MS for t, _ in exits], [p for _, p in exits],
                        marker="x", color="yellow")
        self.markers_drawn = len(entries) + len(exits)
        every = int(marks.get("every", 1))
        shown = (f"every {every}th trade of {marks.get('trades', 0):,} marked" if every > 1
                 else f"{marks.get('trades', 0):,} trades")
        self.title_text = title or (f"{symbol}: ▲ long ▼ short x exit ({shown}); enter on a "
                                    "trade zooms to it")
        plt.title(self.title_text)
        self.refresh()
