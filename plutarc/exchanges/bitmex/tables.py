"""BitMEX websocket tables: partial / insert / update / delete, keyed by the partial's keys.

A ``partial`` is the full image of a subscription: it replaces the rows it covers (those
matching its ``filter``) and names the table's keys. Deltas that arrive before the partial
that covers them are dropped, as BitMEX documents. ``update`` rows carry the keys plus the
changed fields only; they are merged, and the merged row is what callers see. Tables without
keys (trade, quote, tradeBin*) are insert-only streams and keep no rows.

Past ``max_rows`` the oldest rows go, but never an open order: BitMEX keeps sending
updates for it, and an update for an evicted row has nothing to merge into (its fill or
cancel would be lost). Terminal order rows are evicted first; open ones stay even beyond
the bound.
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]

# Keyed by BitMEX, but each row is a one-off event (an execution report is never updated):
# passed through without being stored, which keeps memory flat and the fill path short.
EVENT_TABLES = frozenset({"execution"})
# ordStatus values after which BitMEX sends no more updates for an order
TERMINAL_ORD_STATUS = frozenset({"Filled", "Canceled", "Rejected", "Expired", "DoneForDay"})


def _evictable_order(row: Row) -> bool:
    """Only finished orders may leave the table; an unknown status counts as open."""
    return row.get("ordStatus") in TERMINAL_ORD_STATUS


EVICTABLE = {"order": _evictable_order}


class Table:
    """One keyed table; ``rows`` keeps insertion order and at most ``max_rows`` rows."""

    __slots__ = ("covered", "covers_all", "evictable", "events", "keys", "max_rows", "name",
                 "rows")

    def __init__(self, name: str, max_rows: int) -> None:
        self.name = name
        self.events = name in EVENT_TABLES
        self.keys: tuple[str, ...] = ()
        self.rows: dict[tuple, Row] = {}
        self.covered: set[str] = set()  # symbols whose partial arrived
        self.covers_all = False  # a partial without a symbol filter arrived
        self.max_rows = max_rows
        self.evictable = EVICTABLE.get(name)  # None: any row may be evicted

    def _key(self, row: Row) -> tuple:
        get = row.get
        return tuple(get(k) for k in self.keys)

    def accepts(self, row: Row) -> bool:
        return self.covers_all or row.get("symbol") in self.covered

    def partial(self, keys: list[str], filter_: dict[str, Any], data: list[Row]) -> list[Row]:
        self.keys = tuple(keys)
        symbol = filter_.get("symbol")
        if symbol is None:
            self.covers_all = True
            self.rows.clear()
        else:
            self.covered.add(symbol)
            for key in [k for k, r in self.rows.items() if r.get("symbol") == symbol]:
                del self.rows[key]
        if self.keys and not self.events:
            for row in data:
                self.rows[self._key(row)] = row
            self._trim()
        return data

    def insert(self, data: list[Row]) -> list[Row]:
        if self.covers_all:
            accepted = data
        else:
            accepted = [row for row in data if row.get("symbol") in self.covered]
        if self.keys and not self.events:
            for row in accepted:
                self.rows[self._key(row)] = row
            self._trim()
        return accepted

    def update(self, data: list[Row]) -> list[Row]:
        merged = []
        if not self.keys:
            return merged
        for row in data:
            current = self.rows.get(self._key(row))
            if current is None:
                continue  # an update for a row we never saw: nothing to merge into
            current.update(row)
            merged.append(current)
        return merged

    def delete(self, data: list[Row]) -> list[Row]:
        removed = []
        for row in data:
            current = self.rows.pop(self._key(row), None)
            if current is not None:
                removed.append(current)
        return removed

    def _trim(self) -> None:
        excess = len(self.rows) - self.max_rows
        if excess <= 0:
            return
        if self.evictable is None:
            for key in list(self.rows)[:excess]:
                del self.rows[key]
            return
        evictable = self.evictable
        doomed = []
        for key, row in self.rows.items():  # oldest first
            if evictable(row):
                doomed.append(key)
                if len(doomed) == excess:
                    break
        for key in doomed:
            del self.rows[key]


class TableStore:
    """All tables of one connection; ``apply`` returns the rows a frame changed."""

    def __init__(self, max_rows: int = 2000) -> None:
        self._max_rows = max_rows
        self.tables: dict[str, Table] = {}

    def reset(self) -> None:
        """After a reconnect every table waits for a fresh partial."""
        self.tables.clear()

    def table(self, name: str) -> Table:
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = Table(name, self._max_rows)
        return table

    def apply(self, frame: dict[str, Any]) -> tuple[str, str, list[Row]]:
        """(table, action, rows): merged rows for updates, removed rows for deletes."""
        name = frame["table"]
        action = frame.get("action")
        data = frame.get("data") or []
        table = self.tables.get(name) or self.table(name)
        if action == "partial":
            return name, action, table.partial(
                frame.get("keys") or [], frame.get("filter") or {}, data
            )
        if not (table.covers_all or table.covered):
            return name, action or "", []  # before any partial: discard, as documented
        if action == "insert":
            return name, action, table.insert(data)
        if action == "update":
            return name, action, table.update(data)
        if action == "delete":
            return name, action, table.delete(data)
        return name, action or "", []
