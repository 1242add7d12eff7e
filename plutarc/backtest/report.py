"""A self-contained HTML report of a stored run: metrics, equity, drawdown, price with
entries and exits, and the regime breakdown. Inline SVG, no scripts, no network."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from plutarc.backtest.equity import drawdown
from plutarc.backtest.store import ResultsStore

W, H, PAD = 960, 260, 40


def _scale(values: np.ndarray, lo: float, hi: float, size: float, flip: bool) -> np.ndarray:
    span = hi - lo if hi > lo else 1.0
    v = (values - lo) / span * (size - 2 * PAD)
    return (size - PAD - v) if flip else (PAD + v)


def _line_chart(ts: np.ndarray, ys: np.ndarray, title: str, color: str,
                markers: list[tuple[float, float, str]] | None = None) -> str:
    if ts.size == 0:
        return f"<h3>{html.escape(title)}</h3><p>no data</p>"
    t0, t1 = float(ts[0]), float(ts[-1])
    lo, hi = float(np.nanmin(ys)), float(np.nanmax(ys))
    x = _scale(ts.astype(float), t0, t1, W, False)
    y = _scale(ys, lo, hi, H, True)
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
    marks = ""
    for mts, mprice, mcolor in markers or []:
        mx = _scale(np.array([mts]), t0, t1, W, False)[0]
        my = _scale(np.array([mprice]), lo, hi, H, True)[0]
        marks += f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="2.5" fill="{mcolor}"/>'
    labels = (f'<text x="{PAD}" y="{PAD - 8}" font-size="11">{hi:,.2f}</text>'
              f'<text x="{PAD}" y="{H - PAD + 14}" font-size="11">{lo:,.2f}</text>'
              f'<text x="{W - PAD - 120}" y="{H - PAD + 14}" font-size="11">{_day(t1)}</text>'
              f'<text x="{PAD + 80}" y="{H - PAD + 14}" font-size="11">{_day(t0)}</text>')
    return (f"<h3>{html.escape(title)}</h3><svg viewBox='0 0 {W} {H}' width='100%'>"
            f"<rect x='0' y='0' width='{W}' height='{H}' fill='#fafafa'/>"
            f"<polyline fill='none' stroke='{color}' stroke-width='1.2' points='{points}'/>"
            f"{marks}{labels}</svg>")


def _day(ts_ms: float) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def _table(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(_fmt(v))}</td></tr>"
                    for k, v in rows)
    return f"<table>{cells}</table>"


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.4f}"
    return str(v)


def render_report(store: ResultsStore, run_id: int) -> str:
    run = store.get(run_id)
    m = run.metrics
    eq = store.series(run_id, "equity")
    price = store.series(run_id, "price")
    trades = store.trades(run_id)
    dd, _, _ = drawdown(eq["equity"])
    max_marks = 600
    chosen = trades if len(trades) <= max_marks else trades[:: len(trades) // max_marks + 1]
    markers = []
    for t in chosen:
        markers.append((t["entry_ts_ms"], float(t["entry_price"]),
                        "#2a9d8f" if t["direction"] == "long" else "#e76f51"))
        if t["exit_reason"] != "open":  # still open: no exit to mark
            markers.append((t["exit_ts_ms"], float(t["exit_price"]), "#264653"))
    headline = [(k, m.get(k)) for k in (
        "net_pnl", "roi_pct", "trades", "open_trades", "win_rate", "profit_factor", "expectancy",
        "avg_win", "avg_loss", "max_drawdown", "max_drawdown_pct", "sharpe", "sortino", "calmar",
        "fees", "funding", "exposure_pct", "avg_mfe_pct", "avg_mae_pct", "max_consecutive_wins",
        "max_consecutive_losses")]
    regime_rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{g['trades']}</td><td>{g['net_pnl']:,.2f}</td>"
        f"<td>{g['win_rate'] * 100:.1f}%</td><td>{_fmt(g['profit_factor'])}</td></tr>"
        for name, g in m.get("regimes", {}).items())
    skip_rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>"
                        for k, v in m.get("skip_reasons", {}).items())
    row = run.row
    held = m.get("open_position")
    open_note = "" if not held else (
        f"<p><b>Open at the end (included in the trades, labelled open):</b> "
        f"{html.escape(held['direction'])} {html.escape(held['qty'])} from "
        f"{html.escape(held['entry_price'])}, marked at {html.escape(held['mark_price'])} "
        f"(last close): unrealised {held['unrealised_pnl']:,.2f} after fees, no exit fee.</p>")
    refused = m.get("orders_refused") or {}
    if refused:
        ruined = m.get("ruined_at_ms")
        counts = ", ".join(f"{n} for {k}" for k, n in refused.items())
        when = datetime.fromtimestamp(ruined / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC") if (
            ruined) else ""
        ruin = f"; account ruined at {when} (no position opened after it)" if ruined else ""
        open_note += f"<p><b>Orders refused:</b> {html.escape(counts)}{ruin}.</p>"
    if "risk_limits" in m:  # runs stored before the gate came to backtests have no such key
        limits = m["risk_limits"]
        gate = ("off (no bot risk limit applied)" if limits is None else ", ".join(
            f"{k} {v}" for k, v in limits.items() if v is not None))
        blocked = ", ".join(f"{k} {n}" for k, n in (m.get("risk_refusals") or {}).items())
        open_note += (f"<p><b>Risk gate:</b> {html.escape(gate)}"
                      f"{'; orders refused or cut: ' + html.escape(blocked) if blocked else ''}"
                      ".</p>")
    if m.get("funding_note"):  # runs stored before funding came to backtests have none
        open_note += f"<p><b>Funding:</b> {html.escape(m['funding_note'])}.</p>"
    title = f"plutarc backtest #{run_id}: {row['template_name']} on {row['symbol']}"
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:24px;color:#222}}
table{{border-collapse:collapse;margin:8px 0}}
th,td{{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:13px}}
th{{background:#f0f0f0}}</style>
</head><body><h1>{html.escape(title)}</h1>
<p>{_day(row['start_ms'])} to {_day(row['end_ms'])}, {row['bars']:,} bars at {row['interval']},
data fingerprint <code>{row['data_fingerprint'][:16]}</code>, ran in {row['duration_s']:.2f} s.</p>
<h2>Metrics</h2>{_table(headline)}{open_note}
{_line_chart(eq['ts_ms'], eq['equity'], 'Equity', '#1d3557')}
{_line_chart(eq['ts_ms'], -dd * 100, 'Drawdown (%)', '#c1121f')}
{_line_chart(price['ts_ms'], price['close'], 'Price with entries (green long, red short) and exits',
             '#888', markers)}
<h2>Regime breakdown (at entry)</h2><table><tr><th>regime</th><th>trades</th><th>net PnL</th>
<th>win rate</th><th>profit factor</th></tr>{regime_rows}</table>
<h2>Skip reasons</h2><table><tr><th>rule</th><th>entries blocked</th></tr>{skip_rows}</table>
<h2>Template</h2><pre>{html.escape(row['template_toml'])}</pre></body></html>"""


def write_report(store: ResultsStore, run_id: int, path: Path) -> Path:
    path.write_text(render_report(store, run_id), encoding="utf-8")
    return path
