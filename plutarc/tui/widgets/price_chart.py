"""PriceChart: closes from the bot's candle_closed events, drawn with textual-plotext."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from plutarc.daemon.store import EventRecord


def closes(events: Sequence[EventRecord]) -> tuple[list[float], list[float]]:
    """(minutes since the first close, close) for events whose data carries a numeric close."""
    points = [(e.ts_ms, float(e.data["close"])) for e in events
              if isinstance(e.data.get("close"), int | float | str)
              and _is_number(e.data["close"])]
    if not points:
        return [], []
    start = points[0][0]
    return [(ts - start) / 60_000 for ts, _ in points], [close for _, close in points]


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


class PriceChart(PlotextPlot):
    def show(self, events: Sequence[EventRecord], symbol: str) -> None:
        xs, ys = closes(events)
        plt = self.plt
        plt.clear_data()
        if ys:
            plt.plot(xs, ys, marker="braille")
            plt.title(f"{symbol} close ({len(ys)} candles)")
            plt.xlabel("minutes")
        else:
            plt.title("no candle_closed events for this bot yet")
        self.refresh()
