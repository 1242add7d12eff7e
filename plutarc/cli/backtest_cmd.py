"""``plutarc backtest``: run, list, show, export, report and compare backtests."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from plutarc.cli.output import console, emit_rows, fmt_ts, print_json, print_table
from plutarc.errors import UsageError
from plutarc.paths import resolve_paths

app = typer.Typer(no_args_is_help=True, help="Run, list, compare and report backtests.")

SUMMARY_KEYS = ("net_pnl", "roi_pct", "trades", "open_trades", "win_rate", "profit_factor",
                "expectancy", "max_drawdown", "max_drawdown_pct", "sharpe", "sortino", "calmar",
                "fees", "funding", "exposure_pct")


# The backtest modules pull in numpy/scipy: imported inside the commands so that every other
# plutarc command starts fast.


def _store():
    from plutarc.backtest.store import ResultsStore

    return ResultsStore(resolve_paths().ensure().backtests_db)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.4f}"
    return "-" if v is None else str(v)


def _risk_limits(pairs: list[str], off: bool):
    """A bot's risk limits with the given KEY=VALUE changes; None with --no-risk-limits."""
    from plutarc.risk.limits import RiskLimits
    from plutarc.validation import closest

    if off:
        if pairs:
            raise UsageError("--risk and --no-risk-limits: give one or the other")
        return None
    changes: dict[str, str | None] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--risk {pair!r}: give KEY=VALUE, e.g. max_leverage=5")
        key = key.strip()
        if key not in RiskLimits.model_fields:
            near = closest(key, RiskLimits.model_fields)
            raise UsageError(f"--risk {key}: not a risk limit"
                             + (f"; did you mean {near!r}?" if near else ""))
        changes[key] = None if value.strip().lower() in ("null", "none", "") else (
            value.strip())
    try:
        return RiskLimits.model_validate(changes)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(f"--risk {where}: {err['msg']}") from None


@app.command("run")
def run(
    template: str = typer.Argument(..., help="Template name or TOML file."),
    data: Path = typer.Option(None, "--data", help="Candle file to run on."),
    venue: str = typer.Option(None, "--venue", help="Fetch candles from a venue instead."),
    venue_url: str = typer.Option(None, "--venue-url", help="The venue's REST base URL "
                                  "(e.g. a local simulator)."),
    symbol: str = typer.Option(None, "--symbol", help="Symbol (default: from the file name)."),
    start: str = typer.Option(None, "--from", help="Start (ISO date/time UTC or epoch ms)."),
    end: str = typer.Option(None, "--to", help="End, exclusive."),
    funding: Path = typer.Option(None, "--funding", help="Funding-rate file: charged at its "
                                 "funding times on the position held, and given to strategies."),
    oi: Path = typer.Option(None, "--oi", help="Open-interest file, given to strategies."),
    interval: str = typer.Option(None, "--interval", "--detail",
                                 help="Matching interval (e.g. 1m under a 1h strategy)."),
    fee_maker: float = typer.Option(None, "--fee-maker", help="Maker fee, fraction."),
    fee_taker: float = typer.Option(None, "--fee-taker", help="Taker fee, fraction."),
    slippage: float = typer.Option(0.0, "--slippage", help="Market-order slippage, bps."),
    cash: float = typer.Option(10_000.0, "--cash", help="Starting equity."),
    no_margin: bool = typer.Option(False, "--no-margin", help="No margin checks nor liquidation."),
    risk: list[str] = typer.Option(None, "--risk", help="A bot risk limit for the gate every "
                                   "order passes, KEY=VALUE (e.g. max_leverage=5, "
                                   "price_band_bps=null); the others keep a bot's defaults."),
    no_risk_limits: bool = typer.Option(False, "--no-risk-limits",
                                        help="No risk gate (a bot always has one)."),
    html: Path = typer.Option(None, "--html", help="Also write the HTML report here."),
    csv_path: Path = typer.Option(None, "--csv", help="Also export the trades here."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Run TEMPLATE over a candle file (or a venue's candles) through the sim venue."""
    from plutarc.backtest.service import BacktestRequest, run_request

    if (data is None) == (venue is None):
        raise UsageError("give the candles with --data FILE, or --venue V --symbol S "
                         "--from --to (not both)")
    try:
        request = BacktestRequest(
            template=template, data=str(data) if data else None, venue=venue,
            venue_url=venue_url, symbol=symbol, start=start, end=end,
            funding=str(funding) if funding else None, open_interest=str(oi) if oi else None,
            interval=interval, fee_maker=fee_maker, fee_taker=fee_taker, slippage_bps=slippage,
            starting_cash=cash, enforce_margin=not no_margin,
            risk_limits=_risk_limits(risk or [], no_risk_limits))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise UsageError(f"--{str(err['loc'][0]).replace('_', '-')}: {err['msg']}") from None
    store = _store()
    if as_json or not console.is_terminal:
        result = run_request(request, store)
    else:
        # imported here: the progress bar and the report are off the --json path (~20 ms)
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("backtest"), BarColumn(), TimeRemainingColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task("run", total=1)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = run_request(request, store, report)
    if html:
        from plutarc.backtest.report import write_report

        write_report(store, result.run_id, html)
    if csv_path:
        _export(store, result.run_id, csv_path)
    if as_json:
        print_json(result.summary())
        return
    summary = result.summary()
    m = summary["metrics"]
    console.print(f"[bold]backtest #{result.run_id}[/bold] {summary['template']} on "
                  f"{summary['symbol']}: {summary['bars']:,} bars in {summary['duration_s']} s")
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    print_table([{"metric": k, "value": _fmt(m[k])} for k in SUMMARY_KEYS], ["metric", "value"])
    held = m["open_position"]
    if held:
        console.print(f"[yellow]open at the end[/yellow] (in the trades, labelled open): "
                      f"{held['direction']} {held['qty']} from {held['entry_price']}, marked at "
                      f"{held['mark_price']}: unrealised {held['unrealised_pnl']:,.2f}")
    if m["regimes"]:
        print_table([{"regime": k, "trades": g["trades"], "net_pnl": _fmt(g["net_pnl"]),
                      "win_rate": f"{g['win_rate'] * 100:.1f}%",
                      "profit_factor": _fmt(g["profit_factor"])}
                     for k, g in m["regimes"].items()],
                    ["regime", "trades", "net_pnl", "win_rate", "profit_factor"],
                    title="Regime at entry")
    if m["skip_reasons"]:
        print_table([{"rule": k, "blocked": v} for k, v in list(m["skip_reasons"].items())[:12]],
                    ["rule", "blocked"], title="Skip reasons")
    if html:
        console.print(f"report: {html}")


@app.command("list")
def list_runs(as_json: bool = typer.Option(False, "--json")) -> None:
    """Stored runs, newest first."""
    rows = []
    for r in _store().list():
        m = r.metrics
        rows.append({"id": r.id, "template": r.row["template_name"], "symbol": r.row["symbol"],
                     "from": fmt_ts(r.row["start_ms"]), "to": fmt_ts(r.row["end_ms"]),
                     "trades": m["trades"], "net_pnl": round(m["net_pnl"], 2),
                     "max_dd_pct": round(m["max_drawdown_pct"], 2)})
    emit_rows(rows, ["id", "template", "symbol", "from", "to", "trades", "net_pnl", "max_dd_pct"],
              as_json, title="Backtests")


@app.command("show")
def show(run_id: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """One run's settings and metrics."""
    run = _store().get(run_id)
    if as_json:
        print_json({"id": run.id, **{k: v for k, v in run.row.items() if k != "metrics_json"},
                    "metrics": run.metrics})
        return
    row = run.row
    console.print(f"[bold]#{run.id}[/bold] {row['template_name']} on {row['symbol']} "
                  f"{fmt_ts(row['start_ms'])} to {fmt_ts(row['end_ms'])} ({row['bars']:,} bars)")
    print_table([{"metric": k, "value": _fmt(run.metrics.get(k))} for k in SUMMARY_KEYS],
                ["metric", "value"])


def _export(store, run_id: int, path: Path) -> int:
    from plutarc.backtest.store import TRADE_COLUMNS

    trades = store.trades(run_id)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(TRADE_COLUMNS))
        writer.writeheader()
        writer.writerows(trades)
    return len(trades)


@app.command("export")
def export(run_id: int, csv_path: Path = typer.Option(..., "--csv", help="Output CSV.")) -> None:
    """Write a run's trade list to CSV."""
    n = _export(_store(), run_id, csv_path)
    console.print(f"{n} trades written to {csv_path}")


@app.command("report")
def report(run_id: int, html: Path = typer.Option(..., "--html", help="Output HTML.")) -> None:
    """Write a run's self-contained HTML report."""
    from plutarc.backtest.report import write_report

    write_report(_store(), run_id, html)
    console.print(f"report written to {html}")


@app.command("compare")
def compare(run_a: int, run_b: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """Two runs side by side."""
    store = _store()
    a, b = store.get(run_a), store.get(run_b)
    rows = [{"metric": k, f"#{run_a}": _fmt(a.metrics.get(k)), f"#{run_b}": _fmt(b.metrics.get(k))}
            for k in SUMMARY_KEYS]
    if as_json:
        print_json({"a": {"id": run_a, "metrics": a.metrics},
                    "b": {"id": run_b, "metrics": b.metrics}})
        return
    console.print(f"#{run_a} {a.row['template_name']} vs #{run_b} {b.row['template_name']}")
    print_table(rows, ["metric", f"#{run_a}", f"#{run_b}"])
