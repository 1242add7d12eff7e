"""The local market-data store: one Parquet file per venue, symbol, series and UTC month.

Layout: ``<root>/<venue>/<symbol>/<series>/<YYYY-MM>.parquet`` where ``series`` is a candle
interval (``1m``), ``funding`` or ``oi``; beside each month a ``<YYYY-MM>.json`` says up to
when it was fetched (the resume point, which also covers stretches where the venue had no
rows). ``<root>/<venue>/<symbol>/instrument.json`` keeps the contract spec, so a backtest
from the store needs no network.

Why Parquet files per month and not a database: columnar and compressed (a month of 1m
candles is ~1 MB against ~4 MB of CSV), read a year in tens of milliseconds with pyarrow (a
dependency already), readable by pandas, polars or DuckDB without us, no server and no lock
to hold; a month is small enough to rewrite whole, which is how a write stays atomic (temp
file, then rename) and a re-run idempotent (rows merge by timestamp, the new row wins).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np

from plutarc.errors import DataError
from plutarc.models import ContractKind, Instrument

COLUMNS = {
    "candles": ("timestamp", "open", "high", "low", "close", "volume"),
    "funding": ("timestamp", "funding_rate"),
    "oi": ("timestamp", "sum_open_interest_value"),
}


def series_kind(series: str) -> str:
    return series if series in ("funding", "oi") else "candles"


def month_of(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[int, int]:
    """[first ms, first ms of the next month) of ``YYYY-MM``."""
    year, mon = (int(x) for x in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=UTC)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=UTC)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def months_between(start_ms: int, end_ms: int) -> list[str]:
    out, t = [], start_ms
    while t < end_ms:
        month = month_of(t)
        out.append(month)
        t = month_bounds(month)[1]
    return out


@dataclass(frozen=True)
class Coverage:
    """What the store holds of one series."""

    venue: str
    symbol: str
    series: str
    rows: int
    first_ms: int | None
    last_ms: int | None
    months: int


class MarketStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _dir(self, venue: str, symbol: str, series: str) -> Path:
        for part in (venue, symbol, series):
            if not part or "/" in part or part.startswith("."):
                raise DataError(f"market store: {part!r} cannot name a folder")
        return self.root / venue / symbol / series

    # ------------------------------------------------------------------ months
    def read_month(self, venue: str, symbol: str, series: str, month: str
                   ) -> dict[str, np.ndarray]:
        import pyarrow.parquet as pq

        path = self._dir(venue, symbol, series) / f"{month}.parquet"
        names = COLUMNS[series_kind(series)]
        if not path.exists():
            return {n: np.empty(0, np.int64 if n == "timestamp" else np.float64) for n in names}
        table = pq.read_table(path)
        return {n: table.column(n).to_numpy() for n in names}

    def fetched_to(self, venue: str, symbol: str, series: str, month: str) -> int | None:
        """Up to when (exclusive, ms) this month was fetched; None if never."""
        path = self._dir(venue, symbol, series) / f"{month}.json"
        if not path.exists():
            return None
        return int(json.loads(path.read_text())["fetched_to_ms"])

    def merge(self, venue: str, symbol: str, series: str, month: str,
              rows: dict[str, np.ndarray], fetched_to_ms: int) -> int:
        """Merge ``rows`` into the month (by timestamp, the new row wins), write it atomically,
        then record ``fetched_to_ms``. Returns the rows the month holds now."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        old = self.read_month(venue, symbol, series, month)
        names = COLUMNS[series_kind(series)]
        both = {n: np.concatenate([old[n], np.asarray(rows[n])]) for n in names}
        ts = both["timestamp"].astype(np.int64)
        # the last occurrence of each stamp wins: unique on the reversed array
        _, idx = np.unique(ts[::-1], return_index=True)
        keep = len(ts) - 1 - idx  # ascending by timestamp, as np.unique sorts
        folder = self._dir(venue, symbol, series)
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.table({n: (ts[keep] if n == "timestamp" else both[n][keep].astype(np.float64))
                          for n in names})
        _atomic(folder / f"{month}.parquet", lambda tmp: pq.write_table(table, tmp))
        done = max(fetched_to_ms, self.fetched_to(venue, symbol, series, month) or 0)
        _atomic(folder / f"{month}.json",
                lambda tmp: Path(tmp).write_text(json.dumps({"fetched_to_ms": done})))
        return len(keep)

    # ------------------------------------------------------------------ ranges
    def read(self, venue: str, symbol: str, series: str, start_ms: int, end_ms: int
             ) -> dict[str, np.ndarray]:
        """Rows stamped in [start_ms, end_ms), ascending."""
        parts = [self.read_month(venue, symbol, series, m)
                 for m in months_between(start_ms, end_ms)]
        names = COLUMNS[series_kind(series)]
        out = {n: np.concatenate([p[n] for p in parts]) if parts else np.empty(0)
               for n in names}
        ts = out["timestamp"]
        sel = (ts >= start_ms) & (ts < end_ms)
        return {n: v[sel] for n, v in out.items()}

    def export(self, venue: str, symbol: str, series: str, start_ms: int, end_ms: int,
               path: Path) -> int:
        """The rows of [start_ms, end_ms) as one Parquet file (what the loaders read)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = self.read(venue, symbol, series, start_ms, end_ms)
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic(path, lambda tmp: pq.write_table(pa.table(rows), tmp))
        return len(rows["timestamp"])

    def export_once(self, venue: str, symbol: str, series: str, start_ms: int, end_ms: int,
                    folder: Path, stem: str) -> tuple[Path, int]:
        """``export`` into ``folder/stem_<fingerprint>.parquet`` unless that file exists: the
        fingerprint covers each month file of the range (name, size, mtime), so a download
        that changes a month makes a new file, and an unchanged store hands the backtester
        the very same file (whose parsed arrays it has cached) instead of a fresh copy."""
        import pyarrow.parquet as pq

        folder_of_months = self._dir(venue, symbol, series)
        digest = hashlib.sha256(f"{start_ms}|{end_ms}".encode())
        for month in months_between(start_ms, end_ms):
            stat = _stat(folder_of_months / f"{month}.parquet")
            digest.update(f"|{month}:{stat}".encode())
        path = folder / f"{stem}_{digest.hexdigest()[:16]}.parquet"
        if path.exists():
            return path, pq.ParquetFile(path).metadata.num_rows
        rows = self.export(venue, symbol, series, start_ms, end_ms, path)
        for older in folder.glob(f"{stem}_*.parquet"):  # what earlier store states exported
            if older != path:
                older.unlink(missing_ok=True)
        return path, rows

    def covered_to(self, venue: str, symbol: str, series: str, start_ms: int,
                   end_ms: int) -> bool:
        """Whether every month of [start_ms, end_ms) was fetched up to the range's end."""
        for month in months_between(start_ms, end_ms):
            done = self.fetched_to(venue, symbol, series, month)
            if done is None or done < min(end_ms, month_bounds(month)[1]):
                return False
        return True

    def coverage(self) -> list[Coverage]:
        import pyarrow.parquet as pq

        out = []
        for folder in sorted(p for p in self.root.glob("*/*/*") if p.is_dir()):
            files = sorted(folder.glob("*.parquet"))
            if not files:
                continue
            rows, first, last = 0, None, None
            for f in files:
                ts = pq.read_table(f, columns=["timestamp"]).column(0).to_numpy()
                if ts.size:
                    rows += int(ts.size)
                    first = int(ts[0]) if first is None else first
                    last = int(ts[-1])
            venue, symbol, series = folder.relative_to(self.root).parts
            out.append(Coverage(venue, symbol, series, rows, first, last, len(files)))
        return out

    # ------------------------------------------------------------------ instrument
    def save_instrument(self, venue: str, inst: Instrument) -> None:
        folder = self.root / venue / inst.symbol
        folder.mkdir(parents=True, exist_ok=True)
        data = {k: (str(v) if v is not None else None)
                for k, v in dataclasses.asdict(inst).items()}
        _atomic(folder / "instrument.json",
                lambda tmp: Path(tmp).write_text(json.dumps(data, indent=1)))

    def resolve_symbol(self, venue: str, symbol: str) -> str | None:
        """The stored symbol named ``symbol`` either as we name it or as the venue does
        (XBTUSD is stored as BTCUSD); None when nothing of it is stored."""
        if (self.root / venue / symbol / "instrument.json").exists():
            return symbol
        for path in sorted((self.root / venue).glob("*/instrument.json")):
            if json.loads(path.read_text()).get("venue_symbol") == symbol:
                return path.parent.name
        return None

    def instrument(self, venue: str, symbol: str) -> Instrument | None:
        path = self.root / venue / symbol / "instrument.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        fields = {f.name: f for f in dataclasses.fields(Instrument)}
        kwargs: dict[str, object] = {}
        for key, value in data.items():
            if key not in fields:
                continue
            if key == "kind":
                kwargs[key] = ContractKind(value)
            elif key in ("venue", "symbol", "base", "quote", "settle", "venue_symbol"):
                kwargs[key] = value
            else:
                kwargs[key] = None if value is None else Decimal(value)
        return Instrument(**kwargs)  # type: ignore[arg-type]


def _stat(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"  # a rewrite is a new inode


def _atomic(path: Path, write) -> None:  # noqa: ANN001 - writes a file at the given temp path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(str(tmp))
    os.replace(tmp, path)


def default_store() -> MarketStore:
    """The store under the data directory (``$PLUTARC_HOME/data/market`` or the XDG one)."""
    from plutarc.paths import resolve_paths

    return MarketStore(resolve_paths().data_dir / "market")
