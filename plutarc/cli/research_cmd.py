"""``plutarc research``: parameter sweeps, walk-forward, convergence and backtest-vs-live."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from plutarc.cli.backtest_cmd import _risk_limits
from plutarc.cli.output import console, emit_rows, print_json
from plutarc.cli.research_live import compare_live_cmd
from plutarc.errors import UsageError
from plutarc.paths import resolve_paths

app = typer.Typer(no_args_is_help=True, help="Sweeps, walk-forward, convergence, compare-live.")
app.command("compare-live")(compare_live_cmd)

# Options every research run shares with 'backtest run', defaulting the same way (a bot's
# risk gate and margin on unless told otherwise).
DATA = typer.Option(None, "--data", help="Candle file to run on.")
VENUE = typer.Option(None, "--venue", help="Fetch candles from a venue instead.")
VENUE_URL = typer.Option(None, "--venue-url", help="The venue's REST base URL.")
SYMBOL = typer.Option(None, "--symbol", help="Symbol (default: from the file name).")
START = typer.Option(None, "--from", help="Start (ISO date/time UTC or epoch ms).")
END = typer.Option(None, "--to", help="End, exclusive.")
FUNDING = typer.Option(None, "--funding", help="Funding-rate file.")
OI = typer.Option(None, "--oi", help="Open-interest file.")
INTERVAL = typer.Option(None, "--interval", help="Matching interval (e.g. 1m).")
FEE_MAKER = typer.Option(None, "--fee-maker", help="Maker fee, fraction.")
FEE_TAKER = typer.Option(None, "--fee-taker", help="Taker fee, fraction.")
SLIPPAGE = typer.Option(0.0, "--slippage", help="Market-order slippage, bps.")
CASH = typer.Option(10_000.0, "--cash", help="Starting equity.")
NO_MARGIN = typer.Option(False, "--no-margin", help="No margin checks nor liquidation.")
RISK = typer.Option(None, "--risk", help="A bot risk limit, KEY=VALUE (as in backtest run).")
NO_RISK = typer.Option(False, "--no-risk-limits", help="No risk gate (a bot always has one).")
PARAM = typer.Option(..., "--param", help="NAME=LO:HI:STEP, NAME=A,B,C or NAME=VALUE; NAME is "
                     "COMPONENT.PARAM (a unique part of either will do) or threshold, "
                     "entry_cooldown_min, leverage, sizing.value. Repeatable.")
RANDOM = typer.Option(None, "--random", help="Try N grid points drawn at random.")
OPTUNA = typer.Option(None, "--optuna", help="Try N variants chosen by Optuna's TPE.")
SEED = typer.Option(0, "--seed", help="Seed of --random and --optuna.")
OBJECTIVE = typer.Option("sharpe", "--objective", help="sharpe, pf, expectancy or net.")
MIN_TRADES = typer.Option(10, "--min-trades", help="Variants with fewer trades are not ranked.")
WORKERS = typer.Option(None, "--workers", help="Local processes (default: every core).")
CLUSTER = typer.Option(None, "--cluster", help="Dask scheduler address (plutarc[cluster]).")
JSON = typer.Option(False, "--json", help="Print the result as JSON.")


def _store():
    from plutarc.research.store import ResearchStore

    return ResearchStore(resolve_paths().ensure().data_dir / "research.db")


def _request(template: str, data: Path | None, venue: str | None, **kw: Any):
    from plutarc.backtest.request import BacktestRequest

    if (data is None) == (venue is None):
        raise UsageError("give the candles with --data FILE, or --venue V --symbol S "
                         "--from --to (not both)")
    risk, no_risk = kw.pop("risk"), kw.pop("no_risk_limits")
    try:
        return BacktestRequest(template=template, data=str(data) if data else None,
                               venue=venue, risk_limits=_risk_limits(risk or [], no_risk), **kw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise UsageError(f"--{str(err['loc'][0]).replace('_', '-')}: {err['msg']}") from None


def _method(random_n: int | None, optuna_n: int | None) -> tuple[str, int | None]:
    if random_n is not None and optuna_n is not None:
        raise UsageError("--random and --optuna: give one or the other")
    if random_n is not None:
        return "random", random_n
    if optuna_n is not None:
        return "optuna", optuna_n
    return "grid", None


def with_progress(label: str, as_json: bool, fn):
    """Call ``fn(progress)`` with a progress bar (ETA) on a terminal, silently otherwise."""
    if as_json or not console.is_terminal:
        return fn(None)
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                  TextColumn("ETA {task.fields[eta]}"), console=console,
                  transient=True) as bar:
        task = bar.add_task(label, total=None, eta="-")

        def report(done: int, total: int, eta: float | None) -> None:
            left = "-" if eta is None else f"{int(eta) // 60}:{int(eta) % 60:02d}"
            bar.update(task, completed=done, total=total, eta=left)

        return fn(report)


def _fmt(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def variant_rows(rows, objective: str, limit: int) -> list[dict[str, Any]]:
    from plutarc.research.objective import OBJECTIVES

    out = []
    for row in rows[:limit]:
        m = row.metrics
        out.append({"seq": row.seq, **{k: _fmt(v) for k, v in row.params.items()},
                    "score": _fmt(row.score), "trades": m.get("trades"),
                    "net_pnl": _fmt(m.get("net_pnl")), "win_rate": _fmt(m.get("win_rate")),
                    OBJECTIVES[objective]: _fmt(m.get(OBJECTIVES[objective])),
                    "max_dd_pct": _fmt(m.get("max_drawdown_pct"))})
    return out


@app.command("sweep")
def sweep(
    template: str = typer.Argument(..., help="Template name or TOML file."),
    param: list[str] = PARAM, random_n: int = RANDOM, optuna_n: int = OPTUNA, seed: int = SEED,
    objective: str = OBJECTIVE, min_trades: int = MIN_TRADES, workers: int = WORKERS,
    cluster: str = CLUSTER, data: Path = DATA, venue: str = VENUE, venue_url: str = VENUE_URL,
    symbol: str = SYMBOL, start: str = START, end: str = END, funding: Path = FUNDING,
    oi: Path = OI, interval: str = INTERVAL, fee_maker: float = FEE_MAKER,
    fee_taker: float = FEE_TAKER, slippage: float = SLIPPAGE, cash: float = CASH,
    no_margin: bool = NO_MARGIN, risk: list[str] = RISK, no_risk_limits: bool = NO_RISK,
    top: int = typer.Option(10, "--top", help="Variants to list, best first."),
    as_json: bool = JSON,
) -> None:
    """Sweep TEMPLATE's parameters; the same command again resumes a stopped sweep."""
    from plutarc.research.sweep import SweepSpec, run_sweep

    method, n = _method(random_n, optuna_n)
    request = _request(template, data, venue, venue_url=venue_url, symbol=symbol, start=start,
                       end=end, funding=str(funding) if funding else None,
                       open_interest=str(oi) if oi else None, interval=interval,
                       fee_maker=fee_maker, fee_taker=fee_taker, slippage_bps=slippage,
                       starting_cash=cash, enforce_margin=not no_margin, risk=risk,
                       no_risk_limits=no_risk_limits)
    spec = SweepSpec(request, tuple(param), method, n, seed, objective, min_trades)
    store = _store()
    report = with_progress("sweep", as_json, lambda p: run_sweep(
        spec, store, workers=workers, cluster=cluster, progress=p))
    rows = variant_rows(report.ranked(), objective, top)
    if as_json:
        print_json({"sweep_id": report.sweep_id, "resumed": report.resumed,
                    "total": report.total, "computed": report.computed,
                    "best": None if report.best is None else report.best.params,
                    "variants": rows, "notes": report.notes})
        return
    verb = "resumed" if report.resumed else "ran"
    console.print(f"[bold]sweep #{report.sweep_id}[/bold] {verb}: {report.computed} variants "
                  f"computed now, {len(report.rows)} of {report.total} stored")
    emit_rows(rows, list(rows[0]) if rows else ["seq"], False)
    for note in report.notes:
        console.print(f"[yellow]note:[/yellow] {note}")


@app.command("list")
def list_sweeps(as_json: bool = JSON) -> None:
    """Stored sweeps and walk-forwards, newest first."""
    store = _store()
    rows = [{"id": s["id"], "kind": s["kind"], "template": s["template_name"],
             "method": s["spec"].get("method"), "objective": s["spec"].get("objective"),
             "stored": store.count(s["id"]), "total": s["total"],
             "data": os.path.basename(s["data_source"])} for s in store.sweeps()]
    emit_rows(rows, ["id", "kind", "template", "method", "objective", "stored", "total",
                     "data"], as_json)


@app.command("show")
def show(sweep_id: int = typer.Argument(..., help="Sweep id (research list)."),
         top: int = typer.Option(20, "--top"), as_json: bool = JSON) -> None:
    """A stored sweep's variants, best first; invalid ones with the template's message."""
    store = _store()
    info = store.sweep(sweep_id)
    rows = store.variants(sweep_id)
    objective = info["spec"].get("objective", "sharpe")
    ranked = sorted((r for r in rows if r.status == "ok"),
                    key=lambda r: (r.score is None, -(r.score or 0.0), r.seq))
    table = variant_rows(ranked, objective, top)
    skipped = [{"seq": r.seq, "params": r.params, "status": r.status, "message": r.message}
               for r in rows if r.status != "ok"]
    if as_json:
        print_json({"sweep": info, "variants": table, "skipped": skipped})
        return
    emit_rows(table, list(table[0]) if table else ["seq"], False)
    for s in skipped:
        console.print(f"[yellow]{s['status']}[/yellow] {s['params']}: {s['message']}")


@app.command("walkforward")
def walkforward(
    template: str = typer.Argument(..., help="Template name or TOML file."),
    param: list[str] = PARAM,
    train: str = typer.Option(..., "--train", help="In-sample span, e.g. 90d."),
    test: str = typer.Option(..., "--test", help="Out-of-sample span, e.g. 30d."),
    gap: str = typer.Option("1d", "--gap", help="Purge/embargo between in- and out-of-sample."),
    step: str = typer.Option(None, "--step", help="Window step (default: --test)."),
    anchored: bool = typer.Option(False, "--anchored", help="In-sample always from the start."),
    random_n: int = RANDOM, optuna_n: int = OPTUNA, seed: int = SEED,
    objective: str = OBJECTIVE, min_trades: int = MIN_TRADES, workers: int = WORKERS,
    cluster: str = CLUSTER, data: Path = DATA, venue: str = VENUE, venue_url: str = VENUE_URL,
    symbol: str = SYMBOL, start: str = START, end: str = END, funding: Path = FUNDING,
    oi: Path = OI, interval: str = INTERVAL, fee_maker: float = FEE_MAKER,
    fee_taker: float = FEE_TAKER, slippage: float = SLIPPAGE, cash: float = CASH,
    no_margin: bool = NO_MARGIN, risk: list[str] = RISK, no_risk_limits: bool = NO_RISK,
    as_json: bool = JSON,
) -> None:
    """Optimise in-sample, score out-of-sample, window after window."""
    from plutarc.research.sweep import SweepSpec
    from plutarc.research.walkforward import run_walkforward
    from plutarc.research.windows import duration_ms

    method, n = _method(random_n, optuna_n)
    request = _request(template, data, venue, venue_url=venue_url, symbol=symbol, start=start,
                       end=end, funding=str(funding) if funding else None,
                       open_interest=str(oi) if oi else None, interval=interval,
                       fee_maker=fee_maker, fee_taker=fee_taker, slippage_bps=slippage,
                       starting_cash=cash, enforce_margin=not no_margin, risk=risk,
                       no_risk_limits=no_risk_limits)
    spec = SweepSpec(request, tuple(param), method, n, seed, objective, min_trades)
    report = with_progress("walk-forward", as_json, lambda p: run_walkforward(
        spec, _store(), train_ms=duration_ms(train, "train"), test_ms=duration_ms(test, "test"),
        gap_ms=duration_ms(gap, "gap"), step_ms=duration_ms(step, "step") if step else None,
        anchored=anchored, workers=workers, cluster=cluster, progress=p))
    if as_json:
        print_json(report.to_dict())
        return
    from datetime import UTC, datetime

    def fmt_utc(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%y-%m-%d %H:%M")

    rows = []
    for r in report.windows:
        w = r.window
        rows.append({"win": w.index, "in-sample": f"{fmt_utc(w.is_start)}-{fmt_utc(w.is_end)}",
                     "OOS (UTC)": f"{fmt_utc(w.oos_start)}-{fmt_utc(w.oos_end)}",
                     "chosen": ", ".join(f"{k}={v}" for k, v in (r.chosen or {}).items()),
                     "IS": _fmt(r.is_score), "OOS": _fmt(r.oos_score),
                     "OOS trades": r.oos_metrics.get("trades"),
                     "OOS net": _fmt(r.oos_metrics.get("net_pnl"))})
    console.print(f"[bold]walk-forward #{report.run_id}[/bold] {objective}")
    emit_rows(rows, list(rows[0]) if rows else ["win"], False)
    for name, s in report.stability.items():
        verdict = "stable" if s["stable"] else "unstable"
        console.print(f"{name}: chosen {s['values']} ({verdict})")
    if report.stitched:
        first, last = report.stitched[0][1], report.stitched[-1][1]
        console.print(f"stitched out-of-sample equity: {first:,.2f} -> {last:,.2f} "
                      f"({(last / first - 1) * 100:+.2f}%)")
    for note in report.notes:
        console.print(f"[yellow]note:[/yellow] {note}")


@app.command("converge")
def converge_cmd(
    run_id: int = typer.Argument(..., help="Walk-forward id (or a sweep id with --sweep)."),
    sweep_run: bool = typer.Option(False, "--sweep", help="RUN is a sweep: regimes only."),
    x: str = typer.Option(None, "--x", help="Heatmap column parameter."),
    y: str = typer.Option(None, "--y", help="Heatmap row parameter."),
    html_path: Path = typer.Option(None, "--html", help="Also write the heatmap as HTML."),
    as_json: bool = JSON,
) -> None:
    """Which variants agree across windows and regimes; a stability heatmap and a verdict."""
    from dataclasses import asdict

    from plutarc.research.converge import converge, load_windows
    from plutarc.research.heatmap import to_html, to_rich

    windows, objective, min_trades = load_windows(_store(), run_id, sweep_run)
    result = converge(windows, objective, min_trades)
    if html_path:
        html_path.write_text(to_html(result, x, y))
    if as_json:
        print_json({"verdict": result.verdict, "plateau": result.plateau,
                    "variants": [asdict(v) for v in result.variants]})
        return
    console.print(to_rich(result, x, y))
    agree = [v for v in result.variants if v.agrees_windows and v.agrees_regimes]
    console.print(f"{len(agree)} of {len(result.variants)} variants agree across "
                  f"{len(windows)} windows and across regimes")
    console.print(f"[bold]verdict:[/bold] {result.verdict}")


@app.command("rerun")
def rerun(sweep_id: int = typer.Argument(..., help="Sweep id (research list)."),
          seq: int = typer.Argument(..., help="Variant number (research show)."),
          as_json: bool = JSON) -> None:
    """Run one variant alone as a normal backtest (then: backtest show/report ID)."""
    from plutarc.backtest.store import ResultsStore
    from plutarc.research.rerun import rerun_variant

    paths = resolve_paths().ensure()
    done = rerun_variant(_store(), ResultsStore(paths.backtests_db), sweep_id, seq,
                         paths.data_dir / "research-templates")
    if as_json:
        print_json({"run_id": done.result.run_id, "params": done.params,
                    "template_file": str(done.template_file), "matches_sweep": done.matches,
                    "metrics": done.result.metrics.to_dict()})
        return
    console.print(f"[bold]backtest #{done.result.run_id}[/bold]: variant {seq} of sweep "
                  f"{sweep_id} ({done.params}), template {done.template_file}")
    if done.matches:
        console.print("its metrics equal the sweep's, figure for figure")
    else:
        console.print("[red]its metrics differ from the sweep's[/red]: the data file or the "
                      "template catalog changed since the sweep")
