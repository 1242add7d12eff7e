"""``plutarc data``: inspect candle files, list their gaps, resample them to a higher interval."""

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
