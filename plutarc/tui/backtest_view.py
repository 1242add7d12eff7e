"""What the backtests screen shows of a run: metrics, regimes, trades (sorted), and the CSV out."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plutarc.errors import UsageError

TRADE_FIELDS = ("seq", "direction", "qty", "entry_ts_ms", "entry_price", "exit_ts_ms",
                "exit_price", "gross_pnl", "fees", "funding", "net_pnl", "exit_reason", "mfe",
                "mae", "regime_trend", "regime_vol")
"""The columns of a stored run's trades (and of the exported CSV), as the daemon sends them."""

TRADE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("#", "seq"), ("Dir", "direction"), ("Qty", "qty"), ("Entry", "entry_ts_ms"),
    ("Entry px", "entry_price"), ("Exit", "exit_ts_ms"), ("Exit px", "exit_price"),
    ("Net PnL", "net_pnl"), ("Fees", "fees"), ("Reason", "exit_reason"),
    ("Trend", "regime_trend"), ("Vol", "regime_vol"),
)
"""(header, trade field) of the trade table; each column sorts by its field."""

NUMERIC = {"seq", "qty", "entry_ts_ms", "entry_price", "exit_ts_ms", "exit_price", "gross_pnl",
           "fees", "funding", "net_pnl", "mfe", "mae"}

METRICS: tuple[tuple[str, str, str], ...] = (
    ("Net PnL", "net_pnl", "money"), ("ROI", "roi_pct", "pct"), ("Trades", "trades", "int"),
    ("Win rate", "win_rate", "ratio"), ("Profit factor", "profit_factor", "num"),
    ("Expectancy", "expectancy", "money"), ("Avg win", "avg_win", "money"),
    ("Avg loss", "avg_loss", "money"), ("Max DD", "max_drawdown", "money"),
    ("Max DD %", "max_drawdown_pct", "pct"), ("Sharpe", "sharpe", "num"),
    ("Sortino", "sortino", "num"), ("Calmar", "calmar", "num"), ("Fees", "fees", "money"),
    ("Funding", "funding", "money"), ("Exposure", "exposure_pct", "pct"),
    ("Avg MFE", "avg_mfe_pct", "pct"), ("Avg MAE", "avg_mae_pct", "pct"),
    ("Wins in a row", "max_consecutive_wins", "int"),
    ("Losses in a row", "max_consecutive_losses", "int"),
)


def fmt_metric(value: Any, style: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if style == "int":
        return str(int(value))
    if style == "money":
        return f"{value:,.2f}"
    if style == "pct":
        return f"{value:.2f} %"
    if style == "ratio":
        return f"{value * 100:.1f} %"
    return f"{value:.3g}"


def metric_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of the headline metrics, then the long and short sides."""
    rows = [(label, fmt_metric(metrics.get(key), style)) for label, key, style in METRICS]
    for side in ("long", "short"):
        group = metrics.get(side) or {}
        rows.append((f"{side.capitalize()} trades",
                     f"{group.get('trades', 0)}, {fmt_metric(group.get('net_pnl'), 'money')}"))
    return rows


def regime_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(regime, trades, net PnL, win rate, profit factor) per regime at entry."""
    return [(name, str(g.get("trades", 0)), fmt_metric(g.get("net_pnl"), "money"),
             fmt_metric(g.get("win_rate"), "ratio"), fmt_metric(g.get("profit_factor"), "num"))
            for name, g in (metrics.get("regimes") or {}).items()]


def fmt_day(ts_ms: int | None) -> str:
    return "-" if ts_ms is None else datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d")


RUN_COLUMNS = ("Run", "Template", "Data", "Symbol", "From", "To", "Trades", "Net PnL")


def run_cells(run: Mapping[str, Any]) -> tuple[str, ...]:
    """A Runs list row: which data file, symbol and dates, and the headline result."""
    metrics = run.get("metrics") or {}
    data = run.get("data_file") or Path(str(run.get("data_source", ""))).name or "-"
    return (f"#{run['id']}", str(run["template"]), data, str(run["symbol"]),
            fmt_day(run.get("start_ms")), fmt_day(run.get("end_ms")),
            str(metrics.get("trades", "-")), fmt_metric(metrics.get("net_pnl", 0), "money"))


def skip_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(reason, candles, share) of why the strategy did not act, most frequent first."""
    skips = metrics.get("skip_reasons") or {}
    total = sum(skips.values()) or 1
    ordered = sorted(skips.items(), key=lambda kv: -kv[1])
    return [(reason, f"{count:,}", f"{100 * count / total:.1f} %") for reason, count in ordered]


def hold_rows(holds: Sequence[Mapping[str, Any]], width: int = 20) -> list[tuple[str, ...]]:
    """(hold time, trades, bar, win rate, net PnL) per bucket: the hold-time distribution."""
    most = max((h["trades"] for h in holds), default=0) or 1
    return [(h["bucket"], f"{h['trades']:,}", "█" * round(width * h["trades"] / most),
             fmt_metric(h["wins"] / h["trades"], "ratio") if h["trades"] else "-",
             fmt_metric(float(h["net_pnl"]), "money")) for h in holds]


def hold_summary(metrics: Mapping[str, Any]) -> str:
    hold = metrics.get("hold_minutes") or {}
    if not hold:
        return "no trades"
    return ("hold minutes: " + ", ".join(f"{k} {hold[k]:,.0f}"
                                         for k in ("min", "median", "mean", "p90", "max")
                                         if k in hold))


def zoom_on(run: Mapping[str, Any], trades: Sequence[Mapping[str, Any]],
            trade: Mapping[str, Any]) -> tuple[dict[str, list[Any]], dict[str, Any], str]:
    """The run's price around ``trade`` (three holds either side, at least an hour) with
    every trade in that window marked; and the chart's title."""
    entry, exit_ = int(trade["entry_ts_ms"]), int(trade["exit_ts_ms"])
    pad = max(3 * (exit_ - entry), 3_600_000)
    start, end = entry - pad, exit_ + pad
    price = run.get("price") or {}
    points = [(t, c) for t, c in zip(price.get("ts_ms", []), price.get("close", []),
                                     strict=True) if start <= t <= end]
    near = [t for t in trades if start <= int(t["entry_ts_ms"]) <= end
            or start <= int(t["exit_ts_ms"]) <= end]
    marks = {"every": 1, "trades": len(near),
             "entries": [(t["direction"], int(t["entry_ts_ms"]), float(t["entry_price"]))
                         for t in near if start <= int(t["entry_ts_ms"]) <= end],
             "exits": [(int(t["exit_ts_ms"]), float(t["exit_price"])) for t in near
                       if start <= int(t["exit_ts_ms"]) <= end]}
    title = (f"trade #{trade['seq']} {trade['direction']} {_short_time(entry)} -> "
             f"{_short_time(exit_)}, net {float(trade['net_pnl']):,.2f} ({trade['exit_reason']}); "
             "z: whole run")
    return ({"ts_ms": [t for t, _ in points], "close": [c for _, c in points]}, marks, title)


def _short_time(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%m-%d %H:%M")


def trade_cells(trade: Mapping[str, Any]) -> tuple[str, ...]:
    cells = []
    for _header, field in TRADE_COLUMNS:
        value = trade.get(field)
        if field.endswith("_ts_ms"):
            cells.append(_short_time(int(value or 0)))
        elif field in ("net_pnl", "fees"):
            cells.append(f"{float(value or 0):,.2f}")
        else:
            cells.append(str(value))
    return tuple(cells)


def sort_trades(trades: Sequence[Mapping[str, Any]], field: str,
                reverse: bool = False) -> list[Mapping[str, Any]]:
    """Trades ordered by ``field`` (numbers as numbers); ties keep their sequence."""
    if field not in TRADE_FIELDS:
        raise ValueError(f"cannot sort trades by {field!r}; fields: {', '.join(TRADE_FIELDS)}")

    def key(trade: Mapping[str, Any]) -> Any:
        value = trade.get(field)
        return float(value) if field in NUMERIC else str(value)

    return sorted(trades, key=key, reverse=reverse)


def write_trades_csv(path: Path, trades: Sequence[Mapping[str, Any]]) -> int:
    """Every trade with every stored field; the number written. Clear errors, no partial file."""
    path = path.expanduser()
    if path.is_dir():
        raise UsageError(f"{path} is a directory: give a file name, e.g. {path / 'trades.csv'}")
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent} does not exist: create it first or pick another path")
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(TRADE_FIELDS), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(trades)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(trades)


STORED = "stored:"
"""Prefix of a template choice that names a template stored in the daemon (not a file)."""
VENUE = "venue:"
"""Prefix of a candle choice that fetches from a venue (the path field is then its URL)."""


@dataclass(frozen=True)
class LaunchForm:
    template: str
    data: str
    symbol: str = ""
    start: str = ""
    end: str = ""
    cash: str = ""
    path: str = ""
    """A candle file on the daemon's machine; with a venue chosen, the venue's REST URL."""
    enforce_margin: bool = True
    """False: no margin checks nor liquidation (the CLI's --no-margin)."""

    def request(self) -> dict[str, Any]:
        """The body of POST /v1/backtests; UsageError naming the field that is wrong."""
        if not self.template:
            raise UsageError("pick a template")
        body: dict[str, Any] = (
            {"stored_template": self.template.removeprefix(STORED)}
            if self.template.startswith(STORED) else {"template": self.template})
        path = self.path.strip()
        if self.data.startswith(VENUE):
            venue = self.data.removeprefix(VENUE)
            missing = [label for label, value in (("symbol", self.symbol), ("from", self.start),
                                                  ("to", self.end)) if not value.strip()]
            if missing:
                raise UsageError(f"candles from {venue} need {', '.join(missing)}")
            body["venue"] = venue
            if path:
                body["venue_url"] = path
        elif path or self.data:
            body["data"] = path or self.data
        else:
            raise UsageError("pick bundled candles or a venue, or give a file path on the "
                             "daemon's machine")
        for name in ("symbol", "start", "end"):
            value = getattr(self, name).strip()
            if value:
                body[name] = value
        if self.cash.strip():
            try:
                cash = float(self.cash)
            except ValueError:
                raise UsageError(f"starting cash {self.cash!r} is not a number") from None
            if not (math.isfinite(cash) and cash > 0):
                raise UsageError(f"starting cash must be above 0, got {self.cash}")
            body["starting_cash"] = cash
        if not self.enforce_margin:
            body["enforce_margin"] = False
        return body

    def describe(self) -> str:
        """What runs on what, for the status line."""
        template = (f"{self.template.removeprefix(STORED)} (stored)"
                    if self.template.startswith(STORED) else self.template)
        margin = "" if self.enforce_margin else " (no margin)"
        if self.data.startswith(VENUE):
            return (f"{template} on {self.data.removeprefix(VENUE)} {self.symbol.strip()}"
                    f"{margin}")
        return f"{template} on {Path(self.path.strip() or self.data).name}{margin}"
