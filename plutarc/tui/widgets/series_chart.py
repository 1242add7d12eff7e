"""SeriesChart: one line over time (a backtest's equity curve), drawn with textual-plotext."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

DAY_MS = 86_400_000


def days_since_start(ts_ms: Sequence[int]) -> list[float]:
    if not ts_ms:
        return []
    start = ts_ms[0]
    return [(t - start) / DAY_MS for t in ts_ms]


class SeriesChart(PlotextPlot):
    points = 0
    """How many points the chart draws."""

    def show(self, ts_ms: Sequence[int], values: Sequence[float], title: str,
             empty: str = "nothing to draw yet") -> None:
        if len(ts_ms) != len(values):
            raise ValueError(f"{len(ts_ms)} times for {len(values)} values")
        self.points = len(values)
        plt = self.plt
        plt.clear_data()
        if values:
            plt.plot(days_since_start(ts_ms), list(values), marker="braille")
            plt.title(title)
            plt.xlabel("days")
        else:
            plt.title(empty)
        self.refresh()
