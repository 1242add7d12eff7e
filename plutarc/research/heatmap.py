"""The parameter-stability heatmap of a convergence: median objective across windows per
(x, y) cell (other dimensions: their best), for the terminal (rich) and as HTML."""

from __future__ import annotations

import html
from typing import Any

from plutarc.errors import UsageError
from plutarc.research.converge import Convergence


def _order(values: set[Any]) -> list[Any]:
    return sorted(values, key=lambda v: (0, float(v)) if isinstance(v, int | float) else (1, v))


def matrix(conv: Convergence, x: str | None = None, y: str | None = None
           ) -> tuple[str, str | None, list[Any], list[Any], list[list[float | None]]]:
    dims = conv.dims
    x = x or dims[0]
    y = y if y is not None else (dims[1] if len(dims) > 1 else None)
    for name in (x, y):
        if name is not None and name not in dims:
            raise UsageError(f"heatmap axis {name!r}: not a swept parameter ({', '.join(dims)})")
    xs = _order({v.params[x] for v in conv.variants})
    ys = _order({v.params[y] for v in conv.variants}) if y else [None]
    cells: list[list[float | None]] = [[None] * len(xs) for _ in ys]
    for v in conv.variants:
        if v.median is None:
            continue
        i, j = ys.index(v.params[y]) if y else 0, xs.index(v.params[x])
        if cells[i][j] is None or v.median > cells[i][j]:  # type: ignore[operator]
            cells[i][j] = v.median
    return x, y, xs, ys, cells


def shade(value: float | None, lo: float, hi: float) -> tuple[int, int, int]:
    """A cell's colour: red (worst) to green (best); grey for a cell without a score."""
    if value is None:
        return (80, 80, 80)
    t = 0.5 if hi == lo else (value - lo) / (hi - lo)
    return (int(200 * (1 - t)), int(60 + 160 * t), 60)


def to_rich(conv: Convergence, x: str | None = None, y: str | None = None) -> Any:
    from rich.table import Table

    x, y, xs, ys, cells = matrix(conv, x, y)
    flat = [c for row in cells for c in row if c is not None]
    lo, hi = (min(flat), max(flat)) if flat else (0.0, 0.0)
    table = Table(title=f"median {conv.objective} across windows", show_lines=False)
    table.add_column(f"{y or ''} \\ {x}")
    for v in xs:
        table.add_column(str(v), justify="right")
    for label, row in zip(ys, cells, strict=True):
        table.add_row(str(label if label is not None else ""), *[
            "-" if c is None else f"[on rgb({','.join(map(str, shade(c, lo, hi)))})]"
                                  f"{c:.2f}[/]" for c in row])
    return table


def to_html(conv: Convergence, x: str | None = None, y: str | None = None) -> str:
    x, y, xs, ys, cells = matrix(conv, x, y)
    flat = [c for row in cells for c in row if c is not None]
    lo, hi = (min(flat), max(flat)) if flat else (0.0, 0.0)
    head = "".join(f"<th>{html.escape(str(v))}</th>" for v in xs)
    rows = []
    for label, row in zip(ys, cells, strict=True):
        tds = "".join(
            "<td>-</td>" if c is None else
            f"<td style='background:rgb{shade(c, lo, hi)}'>{c:.3f}</td>" for c in row)
        rows.append(f"<tr><th>{html.escape(str(label if label is not None else ''))}</th>"
                    f"{tds}</tr>")
    return ("<!doctype html><meta charset='utf-8'><title>plutarc convergence</title>"
            "<style>body{font-family:sans-serif}td,th{padding:4px 8px;text-align:right}"
            "</style>"
            f"<h1>Median {html.escape(conv.objective)} across windows</h1>"
            f"<p><b>Verdict:</b> {html.escape(conv.verdict)}</p>"
            f"<table><tr><th>{html.escape(y or '')} \\ {html.escape(x)}</th>{head}</tr>"
            + "".join(rows) + "</table>")
