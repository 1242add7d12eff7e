"""CSV files (with or without a header, optionally gzip'd), streamed through pyarrow.csv
in blocks, within the size and row bounds of ``limits``."""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plutarc.backtest.data import limits as bounds
from plutarc.backtest.data.formats import Source, to_float64
from plutarc.errors import DataError

if TYPE_CHECKING:
    import pyarrow as pa

BINANCE_VISION_COLUMNS = (
    "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume",
    "trades", "taker_buy_base_volume", "taker_buy_quote_volume", "ignore",
)
HEADERLESS_OHLCV = ("timestamp", "open", "high", "low", "close", "volume")
_CONVERSION_ERROR = re.compile(r"CSV column #(\d+).*invalid value '(.*)'", re.S)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


@dataclass
class CsvTable:
    format: str
    names: list[str]
    source: Source
    delimiter: str
    has_header: bool

    @classmethod
    def open(cls, source: Source) -> CsvTable:
        text = _as_text(source.head)
        if text is None:
            raise DataError(f"{source.label}: not a CSV, JSON, Parquet or Feather file "
                            "(the content is not text)")
        first_line = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
        delimiter = max((",", ";", "\t"), key=first_line.count)
        fields = next(csv.reader([first_line], delimiter=delimiter))
        fields = [f.strip() for f in fields]
        if len(fields) < 2:
            # never quote the line: the file may not be a candle file at all
            raise DataError(f"{source.label}: the first line has no {delimiter!r}-separated "
                            "columns")
        has_header = not any(_is_number(f) for f in fields)
        zipped = "+gzip" if source.gzipped else ""
        if has_header:
            return cls("csv" + zipped, _unique(fields), source, delimiter, True)
        if len(fields) == len(BINANCE_VISION_COLUMNS):
            return cls("binance-vision-csv" + zipped, list(BINANCE_VISION_COLUMNS), source,
                       delimiter, False)
        if len(fields) >= len(HEADERLESS_OHLCV):
            extra = [f"column_{i + 1}" for i in range(len(HEADERLESS_OHLCV), len(fields))]
            return cls("csv-headerless" + zipped, [*HEADERLESS_OHLCV, *extra], source,
                       delimiter, False)
        raise DataError(f"{source.label}: a headerless CSV with {len(fields)} columns; expected "
                        "timestamp, open, high, low, close, volume first (or Binance Vision's 12)")

    def columns(self, names: Sequence[str], floats: Collection[str]) -> dict[str, pa.Array]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        types = {name: pa.float64() for name in floats}
        if self.format.startswith("binance-vision"):
            types[names[0]] = pa.int64()  # open_time: ms or µs integers, never ISO
        read = pacsv.ReadOptions(column_names=self.names, skip_rows=1 if self.has_header else 0,
                                 block_size=4 << 20)
        parse = pacsv.ParseOptions(delimiter=self.delimiter)
        # Only an empty field is missing: 'N/A' or 'null' in a price column is an error to show.
        convert = pacsv.ConvertOptions(include_columns=list(names), column_types=types,
                                       null_values=[""], strings_can_be_null=False)
        source, limits = self.source, self.source.limits
        if source.gzipped:  # a few MB of gzip can hold GBs: count what comes out
            stream: Any = bounds.CappedReader(source.path, source.label, limits.max_text_bytes)
        else:
            bounds.check_file_size(source.path, source.label, limits.max_text_bytes)
            stream = pa.input_stream(str(source.path))
        try:
            reader = pacsv.open_csv(stream, read_options=read, parse_options=parse,
                                    convert_options=convert)
            batches, rows = [], 0
            for batch in reader:  # block by block, so a bomb stops at the row bound
                rows += batch.num_rows
                if rows > limits.max_rows:
                    raise bounds.too_many_rows(source.label, limits)
                batches.append(batch)
            table = pa.Table.from_batches(batches, schema=reader.schema)
        except pa.ArrowInvalid as exc:
            raise self._explain(str(exc)) from None
        except (OSError, EOFError, zlib.error) as exc:
            problem = "the gzip stream is damaged" if source.gzipped else "cannot read it"
            raise DataError(f"{source.label}: {problem} ({exc})") from None
        finally:
            stream.close()
        if table.num_rows == 0:
            raise DataError(f"{self.source.label}: has a header but no data rows")
        out = {}
        for name in names:
            column = table.column(name).combine_chunks()
            out[name] = to_float64(column, self.source.label, name) if name in floats else column
        return out

    def _explain(self, message: str) -> DataError:
        """Turn pyarrow's complaint into one sentence with the file's line number."""
        label = self.source.label
        found = _CONVERSION_ERROR.search(message)
        if found:
            index, value = int(found.group(1)), found.group(2)
            column = self.names[index] if index < len(self.names) else f"#{index + 1}"
            line = self._first_line(lambda row: len(row) > index and row[index].strip() == value)
            where = f" on line {line}" if line else ""
            return DataError(f"{label}: value {value!r} in column {column!r}{where} is not "
                             "a valid number or timestamp")
        width = len(self.names)
        line = self._first_line(lambda row: len(row) != width)
        if line:
            return DataError(f"{label}: line {line} does not have the {width} columns the "
                             "first line has")
        return DataError(f"{label}: cannot parse it as CSV ({message.splitlines()[0]})")

    def _first_line(self, bad: Callable[[list[str]], bool]) -> int | None:
        """Slow path, used only to point at the line behind an error."""
        for number, row in self._rows():
            if row and bad(row):
                return number
        return None

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        path = self.source.path
        with (gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")
              if self.source.gzipped
              else path.open(encoding="utf-8-sig", errors="replace", newline="")) as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            for number, row in enumerate(reader, start=1):
                if number > 1 or not self.has_header:
                    yield number, row


def _as_text(head: bytes) -> str | None:
    """The sniffed block as text, or None when it is binary."""
    if b"\x00" in head:
        return None
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed block is not an error.
        if exc.start >= len(head) - 3:
            return head[: exc.start].decode("utf-8-sig")
        return None
