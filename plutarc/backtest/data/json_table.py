"""JSON candle files: ccxt-style row lists, lists of objects, pandas orient=columns/split.

Read whole, so bounded: the file by ``limits.max_json_bytes``, the nesting by
``MAX_JSON_DEPTH`` and the rows by ``limits.max_rows``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plutarc.backtest.data import limits as bounds
from plutarc.backtest.data.csv_table import HEADERLESS_OHLCV
from plutarc.backtest.data.formats import Source, to_float64
from plutarc.errors import DataError, UsageError
from plutarc.untrusted import check_depth

if TYPE_CHECKING:
    import pyarrow as pa

_EXPECTED = ("a list of [timestamp, open, high, low, close, volume] rows, a list of objects, "
             "or a pandas orient=columns/split object")


@dataclass
class JsonTable:
    format: str
    names: list[str]
    data: dict[str, list[Any]]
    label: str

    @classmethod
    def open(cls, source: Source) -> JsonTable:
        label = source.label
        try:
            document = json.loads(source.read_bytes(source.limits.max_json_bytes))
        except RecursionError:
            document = None  # refused just below, as nested too deeply
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataError(f"{label}: not valid JSON ({str(exc).splitlines()[0]})") from None
        try:
            if document is None:
                raise UsageError("nested too deeply")
            check_depth(document, bounds.MAX_JSON_DEPTH)
        except UsageError:
            raise DataError(f"{label}: JSON nested more than {bounds.MAX_JSON_DEPTH} levels "
                            f"deep is not a candle file; expected {_EXPECTED}") from None
        rows = _row_count(document)
        if rows > source.limits.max_rows:
            raise bounds.too_many_rows(label, source.limits)
        zipped = "+gzip" if source.gzipped else ""
        if isinstance(document, list):
            if not document:
                raise DataError(f"{label}: the JSON list is empty")
            if all(isinstance(row, list) for row in document):
                return cls("json-rows" + zipped, *_from_rows(document, label), label)
            if all(isinstance(row, dict) for row in document):
                return cls("json-records" + zipped, *_from_records(document, label), label)
        elif isinstance(document, dict):
            if {"columns", "data"} <= document.keys():
                rows = document["data"]
                columns = [str(c) for c in document["columns"]]
                records = [dict(zip(columns, row, strict=False)) for row in rows]
                if not records:
                    raise DataError(f"{label}: the JSON 'data' list is empty")
                return cls("json-pandas-split" + zipped, *_from_records(records, label), label)
            if document and all(isinstance(v, dict | list) for v in document.values()):
                return cls("json-pandas-columns" + zipped, *_from_columns(document, label),
                           label)
        raise DataError(f"{label}: JSON layout not recognised; expected {_EXPECTED}")

    def columns(self, names: Sequence[str], floats: Collection[str]) -> dict[str, pa.Array]:
        import pyarrow as pa

        out = {}
        for name in names:
            try:
                column = pa.array(self.data[name])
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                column = pa.array([None if v is None else str(v) for v in self.data[name]])
            out[name] = to_float64(column, self.label, name) if name in floats else column
        return out


def _row_count(document: Any) -> int:
    """Rows of any accepted layout (before it is recognised: only to bound it)."""
    if isinstance(document, dict):
        if isinstance(document.get("data"), list):
            return len(document["data"])
        return max((len(v) for v in document.values() if isinstance(v, dict | list)), default=0)
    return len(document) if isinstance(document, list) else 0


def _from_rows(rows: list[list[Any]], label: str) -> tuple[list[str], dict[str, list[Any]]]:
    width = len(rows[0])
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise DataError(f"{label}: JSON row {number} has {len(row)} values where the first "
                            f"row has {width}")
    if width < len(HEADERLESS_OHLCV):
        raise DataError(f"{label}: JSON rows have {width} values; expected at least "
                        "timestamp, open, high, low, close, volume")
    names = [*HEADERLESS_OHLCV, *(f"column_{i + 1}" for i in range(6, width))]
    return names, {name: list(values) for name, values in zip(names, zip(*rows, strict=True),
                                                              strict=True)}


def _from_records(records: list[dict[str, Any]], label: str
                  ) -> tuple[list[str], dict[str, list[Any]]]:
    names = [str(k) for k in records[0]]
    data: dict[str, list[Any]] = {name: [] for name in names}
    for number, record in enumerate(records, start=1):
        if len(record) != len(names) or any(name not in record for name in names):
            raise DataError(f"{label}: JSON object {number} has keys {sorted(record)} where the "
                            f"first has {sorted(names)}")
        for name in names:
            data[name].append(record[name])
    return names, data


def _from_columns(document: dict[str, Any], label: str
                  ) -> tuple[list[str], dict[str, list[Any]]]:
    names = [str(k) for k in document]
    first = document[names[0]]
    if isinstance(first, list):
        lengths = {len(v) if isinstance(v, list) else -1 for v in document.values()}
        if len(lengths) != 1:
            raise DataError(f"{label}: the JSON columns have different lengths")
        return names, {name: list(document[name]) for name in names}
    # pandas orient=columns: {column: {index: value}}; order rows by the integer index.
    index = list(first)
    if all(key.lstrip("-").isdigit() for key in index):
        index.sort(key=int)
    data = {}
    for name in names:
        column = document[name]
        if not isinstance(column, dict) or column.keys() != first.keys():
            raise DataError(f"{label}: JSON column {name!r} does not have the same index as "
                            f"column {names[0]!r}")
        data[name] = [column[key] for key in index]
    return names, data
