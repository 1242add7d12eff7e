"""How much a candle file may hold: bounds that keep a hostile or careless file from
exhausting memory (a 2.3 MB gzip of 960 MB of CSV took 4.8 GB; a 2 GB JSON file 2.56 GB).

Every reader (CSV streamed in blocks, JSON and gzip'd Parquet/Feather read whole, Parquet
and Feather row counts from their metadata) stops at these bounds with one sentence naming
the file, the bound and what to do instead. The backtest child, the daemon's paper replay
and the CLI all read through these readers, so the bounds hold for each of them.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

from plutarc.errors import DataError

MAX_ROWS = 8_000_000
"""Data rows per file: fifteen years of 1-minute candles (about 400 MB of float64 columns)."""
MAX_TEXT_BYTES = 2 << 30
"""Decompressed size of a CSV file."""
MAX_JSON_BYTES = 64 << 20
"""Size of a JSON file (decompressed): parsed whole, its Python objects take ~6x its size."""
MAX_BINARY_BYTES = 1 << 30
"""Decompressed size of a gzip'd Parquet or Feather file (read whole into memory)."""
MAX_JSON_DEPTH = 4
"""Nesting of a JSON candle document: pandas orient=split (object, list, row) is 3 deep."""


@dataclass(frozen=True)
class Limits:
    """The bounds in force (module defaults; tests pass smaller ones)."""

    max_rows: int = MAX_ROWS
    max_text_bytes: int = MAX_TEXT_BYTES
    max_json_bytes: int = MAX_JSON_BYTES
    max_binary_bytes: int = MAX_BINARY_BYTES


DEFAULT = Limits()


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MiB" if size >= 1 << 20 else f"{size:,} bytes"


def too_many_rows(label: str, limits: Limits) -> DataError:
    return DataError(f"{label}: more than {limits.max_rows:,} data rows, the most one file may "
                     "hold; split it, or keep only the range the backtest needs")


def too_big(label: str, cap: int, what: str) -> DataError:
    return DataError(f"{label}: {what} is larger than {_mib(cap)}, the most such a file may "
                     "be; split it, or convert it to Parquet")


def check_file_size(path: Path, label: str, cap: int) -> None:
    """Refuse a plain file above ``cap`` before reading a byte (sparse files included)."""
    if path.stat().st_size > cap:
        raise too_big(label, cap, "the file")


def read_capped(path: Path, label: str, gzipped: bool, cap: int) -> bytes:
    """The file's (decompressed) bytes, refused once they pass ``cap``."""
    if not gzipped:
        check_file_size(path, label, cap)
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as stream:
            data = stream.read(cap + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{label}: the gzip stream is damaged ({exc})") from None
    if len(data) > cap:
        raise too_big(label, cap, "its decompressed content")
    return data


class CappedReader(io.RawIOBase):
    """A gzip file's decompressed bytes as a stream that fails once it passes ``cap``."""

    def __init__(self, path: Path, label: str, cap: int) -> None:
        import pyarrow as pa

        # Arrow's inflate (C++, GIL released) rather than the gzip module: ~15 % faster on a
        # year of 1m candles, and it reads concatenated gzip members and says a cut stream is
        # "Truncated compressed stream" (an OSError) as the gzip module path did.
        self._inner = pa.CompressedInputStream(pa.OSFile(str(path)), "gzip")
        self._label, self._cap, self._seen = label, cap, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = self._inner.readinto(buffer)
        self._seen += count
        if self._seen > self._cap:
            raise too_big(self._label, self._cap, "its decompressed content")
        return count

    def close(self) -> None:
        self._inner.close()
        super().close()
