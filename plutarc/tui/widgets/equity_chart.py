"""EquityChart: a bot's equity snapshots from /v1/equity, drawn with textual-plotext."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from plutarc.daemon.store import EquityRecord


def equity_series(rows: Sequence[EquityRecord]) -> tuple[str, list[float], list[float]]:
    """(currency, hours since the first snapshot, equity) of the first currency seen."""
    if not rows:
        return "", [], []
    currency = rows[0].currency
    points = [(r.ts_ms, float(r.equity)) for r in rows if r.currency == currency]
    start = points[0][0]
    return currency, [(ts - start) / 3_600_000 for ts, _ in points], [e for _, e in points]


class EquityChart(PlotextPlot):
    points = 0
    """How many snapshots the chart draws."""

    def show(self, rows: Sequence[EquityRecord]) -> None:
        currency, hours, equity = equity_series(rows)
        self.points = len(equity)
        plt = self.plt
        plt.clear_data()
        if equity:
            plt.plot(hours, equity, marker="braille")
            plt.title(f"equity {currency} ({len(equity)} snapshots)")
            plt.xlabel("hours")
        else:
            plt.title("no equity snapshots for this bot yet")
        self.refresh()
