"""``plutarc data``: inspect candle files, list their gaps, resample them to a higher interval;
download venue history into the local market-data store and list what it holds."""

from __future__ import annotations

from pathlib import Path

import typer

from plutarc.backtest.data import describe_gaps, load_candles
from plutarc.backtest.data.gaps import duration_label
from plutarc.backtest.data.timestamps import fmt_utc
from plutarc.cli.output import emit_rows, print_json
from plutarc.errors import DataError, UsageError
from plutarc.strategy.series import Bars

app = typer.Typer(no_args_is_help=True)

FILE_ARG = typer.Argument(..., help="A candle file: CSV, JSON, Parquet or Feather, maybe .gz.")
JSON_OPT = typer.Option(False, "--json", help="Print JSON instead of text.")


@app.command("inspect")
def inspect(file: Path = FILE_ARG, as_json: bool = JSON_OPT) -> None:
    """Format, rows, time span, interval, gaps and fingerprint of a candle file."""
    loaded = load_candles(file)
    summary = {
        "path": str(loaded.path),
        "format": loaded.format,
        "rows": len(loaded.bars),
        "first_ms": loaded.first_ms,
        "last_ms": loaded.last_ms,
        "first_utc": fmt_utc(loaded.first_ms),
        "last_utc": fmt_utc(loaded.last_ms),
        "interval": loaded.source_interval,
        "gaps": len(loaded.gaps),
        "missing_bars": loaded.missing_bars,
        "gaps_summary": describe_gaps(loaded.gaps),
        "fingerprint": loaded.fingerprint,
        "notes": loaded.notes,
    }
    if as_json:
        print_json(summary)
        return
    for key in ("path", "format", "rows", "first_utc", "last_utc", "interval", "gaps_summary",
                "fingerprint"):
        print(f"{key.replace('_utc', '').replace('_summary', '')+':':<13}{summary[key]}")
    for note in loaded.notes:
        print(f"{'note:':<13}{note}")


@app.command("gaps")
def gaps(file: Path = FILE_ARG, as_json: bool = JSON_OPT) -> None:
    """Every gap (run of missing bars) in a candle file; nothing is filled."""
    loaded = load_candles(file)
    rows = [
        {
            "start_ms": gap.start_ms,
            "end_ms": gap.end_ms,
            "start": fmt_utc(gap.start_ms),
            "end": fmt_utc(gap.end_ms),
            "missing_bars": gap.missing_bars,
            "duration": duration_label(gap.duration_ms),
        }
        for gap in loaded.gaps
    ]
    emit_rows(rows, ["start", "end", "missing_bars", "duration"], as_json,
              title=f"Gaps in {file.name} ({loaded.source_interval} bars)")


@app.command("resample")
def resample_file(
    file: Path = FILE_ARG,
    interval: str = typer.Option(..., "--interval", "-i", help="Target interval, e.g. 5m, 1h."),
    out: Path = typer.Option(..., "--out", "-o", help="CSV to write (.csv or .csv.gz)."),
    start: str | None = typer.Option(None, help="First bar (ISO date/time UTC or epoch ms)."),
    end: str | None = typer.Option(None, help="End, exclusive (ISO date/time UTC or epoch ms)."),
    force: bool = typer.Option(False, "--force", help="Overwrite OUT if it exists."),
) -> None:
    """Write FILE at a higher interval as a CSV with epoch-ms open times.

    Columns: timestamp,open,high,low,close,volume. Incomplete groups at either end of the
    data are dropped."""
    if out.exists() and not force:
        raise UsageError(f"{out} already exists; pass --force to overwrite it")
    if not out.parent.is_dir():
        raise UsageError(f"cannot write {out}: the directory {out.parent} does not exist")
    if out.resolve() == file.resolve():
        raise UsageError("--out must not be the input file")
    loaded = load_candles(file, interval=interval, start=start, end=end)
    _write_csv(loaded.bars, out)
    print(f"wrote {len(loaded.bars)} {interval} bars ({fmt_utc(loaded.first_ms)} to "
          f"{fmt_utc(loaded.last_ms)}) to {out}")
    for note in loaded.notes:
        print(f"note: {note}")


def _write_csv(bars: Bars, out: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    columns = ("timestamp", "open", "high", "low", "close", "volume")
    table = pa.table([bars.ts_ms, bars.open, bars.high, bars.low, bars.close, bars.volume],
                     names=list(columns))
    compression = "gzip" if out.suffix.lower() == ".gz" else None
    try:
        with pa.output_stream(str(out), compression=compression) as stream:
            # Our own header line: pyarrow quotes header names, and shortest-repr floats below.
            stream.write((",".join(columns) + "\n").encode())
            pacsv.write_csv(table, stream, pacsv.WriteOptions(include_header=False))
    except OSError as exc:
        raise DataError(f"cannot write {out}: {exc}") from None


@app.command("download")
def download_cmd(
    venue: str = typer.Option(..., "--venue", help="Venue to download from: bitmex or a "
                              "ccxt venue (binance, bybit, okx, ...). Binance 1m history comes "
                              "from Binance Vision archives first (PLUTARC_BINANCE_ARCHIVE_URL "
                              "sets their base; empty turns them off)."),
    symbol: str = typer.Option(..., "--symbol", help="Symbol, as the venue's adapter names it."),
    start: str = typer.Option(..., "--from", help="Start (ISO date/time UTC or epoch ms)."),
    end: str = typer.Option(..., "--to", help="End, exclusive."),
    interval: str = typer.Option("1m", "--interval", "-i", help="Candle interval."),
    venue_url: str = typer.Option(None, "--venue-url", help="The venue's REST base URL "
                                  "(e.g. a local simulator)."),
    no_funding: bool = typer.Option(False, "--no-funding", help="Skip funding history."),
    no_oi: bool = typer.Option(False, "--no-oi", help="Skip open-interest history."),
    as_json: bool = JSON_OPT,
) -> None:
    """Candles, funding and open interest (where the venue keeps them) into the local store.

    Resumable (a re-run continues where an interrupted one stopped), idempotent (rows merge
    by time), paced by the venue's rate limits; prints the gaps left at the end."""
    import asyncio

    from plutarc.backtest.request import to_ms
    from plutarc.marketdata.download import download
    from plutarc.marketdata.sources import open_source
    from plutarc.marketdata.store import default_store

    start_ms, end_ms = to_ms(start, "from"), to_ms(end, "to")
    store = default_store()
    source = open_source(venue, venue_url)

    async def go(progress) -> object:  # noqa: ANN001 - a progress callback or None
        try:
            return await download(store, source, symbol, interval, start_ms, end_ms,
                                  funding=not no_funding, oi=not no_oi, progress=progress)
        finally:
            await source.close()

    if as_json or not _console().is_terminal:
        report = asyncio.run(go(None))
    else:
        report = asyncio.run(_with_progress(go))
    _print_report(report, store, as_json)


async def _with_progress(go):  # noqa: ANN001, ANN202
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rows]}"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=_console(),
                  transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(series: str, done: int, total: int, rows: int) -> None:
            if series not in tasks:
                tasks[series] = bar.add_task(series, total=total, rows="")
            bar.update(tasks[series], completed=done, rows=f"{rows:,} rows")

        return await go(progress)


def _console():  # noqa: ANN202
    from rich.console import Console

    return Console(stderr=True)


def _print_report(report, store, as_json: bool) -> None:  # noqa: ANN001
    rate = report.rows_stored / report.seconds if report.seconds else 0.0
    series = [{"series": s.series, "rows_stored": s.rows_stored,
               "resumed_past_ms": s.skipped_ms, "gaps": len(s.gaps),
               "missing_bars": sum(g.missing_bars for g in s.gaps),
               "gaps_list": [{"start": fmt_utc(g.start_ms), "end": fmt_utc(g.end_ms),
                              "missing_bars": g.missing_bars} for g in s.gaps],
               "note": s.note} for s in report.series]
    if as_json:
        print_json({"venue": report.venue, "symbol": report.symbol, "store": str(store.root),
                    "from": fmt_utc(report.start_ms), "to": fmt_utc(report.end_ms),
                    "rows_stored": report.rows_stored, "seconds": round(report.seconds, 3),
                    "rows_per_s": round(rate, 1), "series": series})
        return
    print(f"{report.venue} {report.symbol} {fmt_utc(report.start_ms)} to "
          f"{fmt_utc(report.end_ms)}: {report.rows_stored:,} rows stored in "
          f"{report.seconds:.1f} s ({rate:,.0f} rows/s) under {store.root}")
    for s in series:
        if s["note"]:
            print(f"  {s['series']}: {s['note']}")
            continue
        gaps = (f"{s['gaps']} gaps, {s['missing_bars']} bars missing" if s["gaps"]
                else "no gaps")
        print(f"  {s['series']}: {s['rows_stored']:,} rows stored; {gaps}")
        for g in s["gaps_list"][:20]:
            print(f"    gap {g['start']} to {g['end']} ({g['missing_bars']} bars)")


@app.command("list")
def list_cmd(as_json: bool = JSON_OPT) -> None:
    """What the local market-data store holds: per venue, symbol and series, its coverage."""
    from plutarc.marketdata.store import default_store

    store = default_store()
    rows = [{"venue": c.venue, "symbol": c.symbol, "series": c.series, "rows": c.rows,
             "from": fmt_utc(c.first_ms) if c.first_ms is not None else "-",
             "to": fmt_utc(c.last_ms) if c.last_ms is not None else "-", "months": c.months}
            for c in store.coverage()]
    emit_rows(rows, ["venue", "symbol", "series", "rows", "from", "to", "months"], as_json,
              title=f"Market data in {store.root}")
