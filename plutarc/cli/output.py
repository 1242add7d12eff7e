"""How CLI commands print: rich tables for people, ``--json`` for scripts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, Path):
        return str(obj)
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"cannot encode {type(obj).__name__} as JSON")


def to_json(obj: Any) -> str:
    return json.dumps(obj, default=_default, indent=2, sort_keys=False)


def to_json_line(obj: Any) -> str:
    """One compact line: for streams read line by line (``--follow --json``)."""
    return json.dumps(obj, default=_default, separators=(",", ":"))


def print_json(obj: Any) -> None:
    print(to_json(obj))


def fmt_ts(ts_ms: int | None) -> str:
    if ts_ms is None:
        return "-"
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def print_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], title: str | None = None,
    fit: bool = False,
) -> None:
    """A table; with ``fit``, trailing columns are dropped (columns come most important
    first) until the rest fit the terminal unwrapped, and a line says which were hidden."""
    def build(cols: Sequence[str]) -> Table:
        table = Table(title=title, show_lines=False, header_style="bold")
        for col in cols:
            table.add_column(col, no_wrap=fit)
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in cols))
        return table

    def natural_width(table: Table) -> int:  # unclamped: console.measure caps at the width
        options = console.options.update(max_width=100_000)
        return Measurement.get(console, options, table).maximum

    shown = list(columns)
    table = build(shown)
    while fit and len(shown) > 2 and natural_width(table) > console.width:
        shown.pop()
        table = build(shown)
    console.print(table)
    if len(shown) < len(columns):
        hidden = ", ".join(columns[len(shown):])
        console.print(f"[dim]{hidden} hidden at {console.width} columns: widen the terminal "
                      "or use --json[/dim]")


def emit_rows(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    as_json: bool,
    title: str | None = None,
    fit: bool = False,
) -> None:
    """A listing: JSON array with ``--json``, else a table (or a plain 'none' line)."""
    if as_json:
        print_json(list(rows))
    elif not rows:
        console.print(f"[dim]no {title.lower() if title else 'rows'}[/dim]")
    else:
        print_table(rows, columns, title, fit=fit)
