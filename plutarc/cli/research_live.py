"""``plutarc research compare-live``: a bot's recorded decisions (read through the daemon
API) replayed through the backtester and diffed, close by close."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from plutarc.cli.output import console, print_json
from plutarc.errors import UsageError

JSON = typer.Option(False, "--json", help="Print the result as JSON.")


def _bot_decisions(record, symbol: str, since: int | None) -> list:
    """Every decision the bot recorded on ``symbol`` from ``since``, page by page."""
    from plutarc.cli.api_client import call

    out: list = []
    cursor = since or 0
    while True:
        page = call(lambda c, at=cursor: c.decisions(bot=record.id, symbol=symbol,
                                                      since_ms=at, limit=10_000))
        out += page
        if len(page) < 10_000:
            return out
        cursor = page[-1].ts_ms + 1


def _replay_settings(record, symbol: str, data: Path | None) -> tuple[Path, dict[str, Any]]:
    """The candle file and sim settings to replay with: a sim-venue paper bot names its own
    replay file and runs the paper sim settings; any other bot needs --data."""
    from plutarc.daemon.paper.legs import PAPER_SIM_CONFIG
    from plutarc.daemon.paper.replay import ReplaySettings

    settings: dict[str, Any] = {}
    if record.mode == "paper" and record.venue == "sim":
        settings = {"enforce_margin": PAPER_SIM_CONFIG.enforce_margin,
                    "slippage_bps": PAPER_SIM_CONFIG.slippage_bps}
        if data is None:
            data = ReplaySettings.from_spec(record.replay).file_for(symbol, record.symbols)
    if data is None:
        raise UsageError(f"bot {record.name}: give the candles of its market with --data FILE "
                         "(the daemon records decisions, not candles)")
    return data, settings


def compare_live_cmd(
    bot: str = typer.Argument(..., help="Bot name or id."),
    data: Path = typer.Option(None, "--data", help="Candle file of the bot's market and span "
                              "(default for a sim paper bot: its replay file)."),
    start: str = typer.Option(None, "--from", help="Start (ISO date/time UTC or epoch ms); "
                              "default: the bot's first recorded decision."),
    end: str = typer.Option(None, "--to", help="End (default: its last decision)."),
    symbol: str = typer.Option(None, "--symbol", help="The bot's symbol (default: its first)."),
    as_json: bool = JSON,
) -> None:
    """Replay the bot's span through the backtester and diff it decision by decision."""
    import tempfile
    from dataclasses import asdict

    from plutarc.backtest.data.timestamps import parse_time_arg
    from plutarc.backtest.request import BacktestRequest
    from plutarc.cli.api_client import call
    from plutarc.research.compare_live import LiveDecision, TemplateChange, compare_live
    from plutarc.strategy.template import load_template_file

    record = call(lambda c: c.get_bot(bot))
    sym = symbol or record.symbols[0]
    since = parse_time_arg(start, "from") if start else None
    until = parse_time_arg(end, "to") if end else None
    rows = [r for r in _bot_decisions(record, sym, since) if until is None or r.ts_ms <= until]
    if not rows:
        raise UsageError(f"bot {record.name} recorded no decision on {sym} in that span")
    data, sim = _replay_settings(record, sym, data)
    tpl = call(lambda c: c.get_template(record.template))
    live = [LiveDecision(r.ts_ms, r.action, r.score, tuple(r.skip_reasons)) for r in rows]
    lo = since if since is not None else min(d.ts_ms for d in live)
    hi = until if until is not None else max(d.ts_ms for d in live)
    with tempfile.TemporaryDirectory() as tmp:  # the daemon's copy of the template, as run
        path = Path(tmp) / f"{record.template}.toml"
        path.write_text(tpl.toml)
        template = load_template_file(path)
        request = BacktestRequest(template=str(path), data=str(data), symbol=sym,
                                  risk_limits=record.risk, **sim)
        report = compare_live(request, [TemplateChange(0, template)], live, lo, hi)
    report.notes.append(f"template: {record.template} as the daemon holds it now (version "
                        f"{tpl.version}); earlier versions are not replayed")
    pinned = call(lambda c: c.bot_history(record.id, limit=1)).template_version
    if pinned is not None and pinned != tpl.version:
        report.notes.append(f"the bot runs version {pinned} of {record.template}, not "
                            f"{tpl.version}: divergences may be that difference")
    if as_json:
        print_json({"identical": report.identical, "compared": report.compared,
                    "matched": report.matched,
                    "divergences": [asdict(d) for d in report.divergences[:50]],
                    "notes": report.notes})
        return
    console.print(f"[bold]{record.name}[/bold] vs backtest: {report.matched} of "
                  f"{report.compared} trigger closes match")
    first = report.first
    if first is None:
        console.print("identical: the backtest reproduces every recorded decision")
    else:
        console.print(f"first divergence at {first.ts_ms}: [bold]{first.cause}[/bold]: "
                      f"{first.detail}\n  bot: {first.live}\n  backtest: {first.backtest}")
    for note in report.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
