"""A tiny WHERE-clause builder for the store's filtered listings."""

from __future__ import annotations

MAX_LIMIT = 10_000


class Where:
    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[object] = []

    def add(self, clause: str, *params: object) -> Where:
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def maybe(self, clause: str, value: object | None) -> Where:
        if value is not None:
            self.add(clause, value)
        return self

    def sql(self) -> str:
        return (" WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def recent_first_then_chronological(
    table_sql: str, where: Where, order_column: str, since_given: bool, limit: int
) -> tuple[str, list[object]]:
    """With a start time, the first ``limit`` rows after it; else the latest ``limit`` rows.

    Either way rows come back oldest first, which is how people and charts read them.
    """
    check_limit(limit)
    if since_given:
        sql = f"{table_sql}{where.sql()} ORDER BY {order_column} ASC LIMIT ?"
        return sql, [*where.params, limit]
    inner = f"{table_sql}{where.sql()} ORDER BY {order_column} DESC LIMIT ?"
    return f"SELECT * FROM ({inner}) ORDER BY {order_column} ASC", [*where.params, limit]
