"""Small files in every supported layout, all derived from the bundled real BTCUSDT 1m slice."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from plutarc.strategy.series import Bars
from tests.helpers import BTC_1M, real_bars

N = 600  # ten hours of real 1m bars: enough for every layout test, quick to write


def reference(n: int = N) -> Bars:
    """The first ``n`` bundled bars, read with numpy (independently of the loader)."""
    return real_bars(n)


def frame(bars: Bars) -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.to_datetime(bars.ts_ms, unit="ms", utc=True),
        "open": bars.open, "high": bars.high, "low": bars.low, "close": bars.close,
        "volume": bars.volume,
    })


def binance_lines(n: int = N) -> list[str]:
    """The bundled Binance Vision rows, byte for byte."""
    with gzip.open(BTC_1M, "rt") as handle:
        return [next(handle).rstrip("\n") for _ in range(n)]


def write_binance_us(path: Path, n: int = N) -> Path:
    """Binance Vision from 2025 on: open and close times in microseconds."""
    rows = []
    for line in binance_lines(n):
        fields = line.split(",")
        fields[0] += "000"
        fields[6] += "999"
        rows.append(",".join(fields))
    path.write_text("\n".join(rows) + "\n")
    return path


def iso(ts_ms: int, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime(fmt)


def write_csv(path: Path, header: list[str], rows: list[list[object]], *, gz: bool = False,
              sep: str = ",", bom: bool = False) -> Path:
    text = sep.join(header) + "\n" + "".join(sep.join(map(str, r)) + "\n" for r in rows)
    if bom:
        text = "\ufeff" + text
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def ohlcv_rows(bars: Bars) -> list[list[object]]:
    return [[repr(float(v)) for v in (o, h, lo, c, vol)] for o, h, lo, c, vol in
            zip(bars.open, bars.high, bars.low, bars.close, bars.volume, strict=True)]


def write_mathaszip(path: Path, bars: Bars) -> Path:
    """``timestamp(ISO),open,close,volume,unix_timestamp(s),high,low`` as in mathaszip/BTCprice."""
    rows = [[iso(int(t)), o, c, v, int(t) // 1000, h, lo] for t, (o, h, lo, c, v) in
            zip(bars.ts_ms, ohlcv_rows(bars), strict=True)]
    return write_csv(path, ["timestamp", "open", "close", "volume", "unix_timestamp", "high",
                            "low"], rows)


def write_gravestone(path: Path, bars: Bars) -> Path:
    rows = [[int(t), o, h, lo, c, v, "0", "0", int(t) + bars.interval_ms - 1]
            for t, (o, h, lo, c, v) in zip(bars.ts_ms, ohlcv_rows(bars), strict=True)]
    text = "timestamp,open,high,low,close,volume,quote_volume,trades,close_time\n"
    text += "\n".join(",".join(map(str, r)) for r in rows)  # no trailing newline, as upstream
    path.write_text(text)
    return path


def write_derived_1h_layout(path: Path, bars: Bars) -> Path:
    """The DERIVED 1h file's columns, whose ``open_time_ms`` really holds epoch seconds."""
    rows = [[iso(int(t)) + "+00:00", int(t) // 1000, o, h, lo, c, v, "1.0", 60, "0.5", "0.5", 60]
            for t, (o, h, lo, c, v) in zip(bars.ts_ms, ohlcv_rows(bars), strict=True)]
    header = ["open_time_utc", "open_time_ms", "open", "high", "low", "close", "volume",
              "quote_volume", "trades", "taker_buy_base", "taker_buy_quote", "n_1m_bars"]
    return write_csv(path, header, rows, gz=path.suffix == ".gz")


def write_ccxt_json(path: Path, bars: Bars) -> Path:
    rows = [[int(t), float(o), float(h), float(lo), float(c), float(v)] for t, o, h, lo, c, v in
            zip(bars.ts_ms, bars.open, bars.high, bars.low, bars.close, bars.volume, strict=True)]
    data = json.dumps(rows).encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def write_pandas_json(path: Path, bars: Bars, orient: str) -> Path:
    df = frame(bars)
    df["date"] = bars.ts_ms
    path.write_text(df.to_json(orient=orient, double_precision=15))
    return path


def write_arrow(path: Path, bars: Bars, kind: str) -> Path:
    """freqtrade's storage: ``date`` datetime64[ns, UTC] plus OHLCV, as Feather or Parquet."""
    df = frame(bars)
    if kind == "feather":
        df.to_feather(path)
    else:
        df.to_parquet(path)
    return path


def gzip_file(path: Path) -> Path:
    out = path.with_name(path.name + ".gz")
    out.write_bytes(gzip.compress(path.read_bytes()))
    return out


def cut(bars: Bars, *ranges: tuple[int, int]) -> Bars:
    """``bars`` without the rows in each [start, stop) index range."""
    keep = np.ones(len(bars), bool)
    for lo, hi in ranges:
        keep[lo:hi] = False
    return Bars(bars.interval_ms, bars.ts_ms[keep], bars.open[keep], bars.high[keep],
                bars.low[keep], bars.close[keep], bars.volume[keep])


def write_cut_binance(tmp_path: Path, *drop: tuple[int, int]) -> Path:
    """The real Binance Vision lines with some rows removed."""
    lines = binance_lines(1000)
    keep = [line for i, line in enumerate(lines) if not any(lo <= i < hi for lo, hi in drop)]
    path = tmp_path / "cut.csv"
    path.write_text("\n".join(keep) + "\n")
    return path
