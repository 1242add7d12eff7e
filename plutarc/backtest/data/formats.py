"""Which kind of data file this is (by content, checked against the name) and how to open it."""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from plutarc.backtest.data import limits as bounds
from plutarc.errors import DataError

if TYPE_CHECKING:
    import pyarrow as pa

GZIP_MAGIC = b"\x1f\x8b"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
SNIFF_BYTES = 64 * 1024

# What a file name promises; the content must agree (gzip is seen through either way).
_SUFFIX_KIND = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv",
    ".json": "json",
    ".parquet": "parquet", ".pq": "parquet",
    ".feather": "feather", ".arrow": "feather", ".ipc": "feather",
}
_KIND_NAME = {"csv": "CSV", "json": "JSON", "parquet": "Parquet", "feather": "Feather"}


class Table(Protocol):
    """An opened data file: its format name, its column names, and a way to read columns."""

    format: str
    names: list[str]

    def columns(self, names: Sequence[str], floats: Collection[str]) -> dict[str, pa.Array]:
        """The named columns; those in ``floats`` converted to float64 (bad values raise)."""
        ...


@dataclass(frozen=True)
class Source:
    """A file on disk with what its first bytes say about it."""

    path: Path
    label: str  # how errors name the file
    gzipped: bool
    head: bytes  # the first bytes of the (decompressed) content
    limits: bounds.Limits = field(default=bounds.DEFAULT)

    def read_bytes(self, cap: int) -> bytes:
        """The whole (decompressed) content; a DataError once it passes ``cap`` bytes."""
        return bounds.read_capped(self.path, self.label, self.gzipped, cap)


def require_file(path: Path) -> str:
    """The file's label for messages, once we know it is there and readable."""
    label = path.name or str(path)
    if not path.exists():
        raise DataError(f"{label}: file not found ({path})")
    if not path.is_file():
        raise DataError(f"{label}: not a regular file ({path})")
    if not os.access(path, os.R_OK):
        raise DataError(f"{label}: not readable by this user ({path})")
    return label


def inspect_source(path: Path, limits: bounds.Limits | None = None) -> Source:
    """Check the file exists and is not empty, and read its first (decompressed) bytes."""
    label = require_file(path)
    with path.open("rb") as raw:
        magic = raw.read(2)
    gzipped = magic == GZIP_MAGIC
    try:
        if gzipped:
            with gzip.open(path, "rb") as stream:
                head = stream.read(SNIFF_BYTES)
        else:
            with path.open("rb") as stream:
                head = stream.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{label}: the gzip stream is damaged ({exc})") from None
    if not head.strip():
        raise DataError(f"{label}: the file is empty")
    return Source(path, label, gzipped, head, limits or bounds.DEFAULT)


def content_kind(head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"ARROW1", b"FEA1")):
        return "feather"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def suffix_kind(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes.pop()
    return _SUFFIX_KIND.get(suffixes[-1]) if suffixes else None


def open_table(path: Path, limits: bounds.Limits | None = None) -> Table:
    """Open any supported file; the content decides, and a name that disagrees is an error.

    ``limits``: size and row bounds (default ``limits.DEFAULT``, read at call time)."""
    source = inspect_source(path, limits)
    if source.head.startswith(HDF5_MAGIC):
        raise DataError(f"{source.label}: HDF5 files are not supported; convert it to Parquet "
                        "or Feather (pandas: read_hdf, then to_parquet)")
    kind = content_kind(source.head)
    promised = suffix_kind(path)
    if promised is not None and promised != kind:
        raise DataError(f"{source.label}: the name says {_KIND_NAME[promised]} but the content "
                        f"is {_describe_content(source.head, kind)}")
    if kind == "csv":
        from plutarc.backtest.data.csv_table import CsvTable

        return CsvTable.open(source)
    if kind == "json":
        from plutarc.backtest.data.json_table import JsonTable

        return JsonTable.open(source)
    return ArrowFileTable.open(source, kind)


def _describe_content(head: bytes, kind: str) -> str:
    if kind == "csv":
        first_line = head.split(b"\n", 1)[0][:60].decode("utf-8", "replace").strip()
        return f"text starting {first_line!r}"
    return _KIND_NAME[kind]


@dataclass
class ArrowFileTable:
    """Parquet or Feather (Arrow IPC): typed columns, read whole (these files are compact)."""

    format: str
    names: list[str]
    table: pa.Table
    label: str

    @classmethod
    def open(cls, source: Source, kind: str) -> ArrowFileTable:
        import pyarrow as pa

        try:
            if source.gzipped:
                stream = pa.BufferReader(source.read_bytes(source.limits.max_binary_bytes))
            else:
                stream = pa.memory_map(str(source.path))
            if kind == "parquet":
                import pyarrow.parquet as pq

                # the row count is in the footer: refuse before decoding a row
                rows = pq.ParquetFile(stream).metadata.num_rows
                if rows > source.limits.max_rows:
                    raise bounds.too_many_rows(source.label, source.limits)
                table = pq.read_table(stream)
            else:
                table = _read_ipc(stream, source)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(
                f"{source.label}: cannot read it as {_KIND_NAME[kind]} ({exc})") from None
        name = kind + ("+gzip" if source.gzipped else "")
        return cls(name, list(table.column_names), table, source.label)

    def columns(self, names: Sequence[str], floats: Collection[str]) -> dict[str, pa.Array]:
        out = {}
        for name in names:
            column = self.table.column(name).combine_chunks()
            out[name] = to_float64(column, self.label, name) if name in floats else column
        return out


def _read_ipc(stream: pa.NativeFile, source: Source) -> pa.Table:
    """A Feather v2 (Arrow IPC) file batch by batch, refused once it passes the row bound;
    Feather v1 (no batches) is read whole, it cannot be compressed."""
    import pyarrow as pa
    import pyarrow.feather as feather

    try:
        reader = pa.ipc.open_file(stream)
    except pa.ArrowInvalid:
        stream.seek(0)
        table = feather.read_table(stream)
    else:
        batches, rows = [], 0
        for index in range(reader.num_record_batches):
            batch = reader.get_batch(index)
            rows += batch.num_rows
            if rows > source.limits.max_rows:
                raise bounds.too_many_rows(source.label, source.limits)
            batches.append(batch)
        table = pa.Table.from_batches(batches, schema=reader.schema)
    if table.num_rows > source.limits.max_rows:
        raise bounds.too_many_rows(source.label, source.limits)
    return table


def to_float64(array: pa.Array, label: str, column: str) -> pa.Array:
    """Cast a column to float64; a value that is not a number is a DataError naming it."""
    import pyarrow as pa

    if array.type == pa.float64():
        return array  # as parsed; a cast would import pyarrow.compute (~40 ms) for nothing
    if pa.types.is_floating(array.type) or pa.types.is_integer(array.type):
        return array.cast(pa.float64())
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        try:
            return array.cast(pa.float64())
        except pa.ArrowInvalid:
            for row, value in enumerate(array.to_pylist(), start=1):
                try:
                    float(value) if value is not None else None
                except ValueError:
                    raise DataError(f"{label}: value {value!r} in column {column!r} at data row "
                                    f"{row} is not a number") from None
            raise
    if pa.types.is_null(array.type):
        raise DataError(f"{label}: column {column!r} is empty")
    raise DataError(f"{label}: column {column!r} has type {array.type}, not numbers")
