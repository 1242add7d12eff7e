"""DaemonStore: the daemon's one database, opened and migrated, with one attribute per table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from plutarc.daemon.store.audit import AuditLog
from plutarc.daemon.store.bots import BotTable, TemplateTable
from plutarc.daemon.store.journal import DecisionTable, EventTable
from plutarc.daemon.store.ledger import EquityTable, PositionTable, TradeTable
from plutarc.daemon.store.orders import FillTable, OrderJournal
from plutarc.daemon.store.schema import MIGRATIONS
from plutarc.daemon.store.validations import ValidationTable
from plutarc.storage.sqlite import Database, Migration, open_database


class DaemonStore:
    """Only the daemon writes here; clients read through the API.

    Every table method is its own transaction; wrap several in ``store.transaction()`` to
    make them one commit (one decision plus its events, a batch of fills).
    """

    def __init__(self, db: Database) -> None:
        db.conn.row_factory = sqlite3.Row
        self.db = db
        self.bots = BotTable(db)
        self.templates = TemplateTable(db)
        self.orders = OrderJournal(db)
        self.fills = FillTable(db)
        self.trades = TradeTable(db)
        self.positions = PositionTable(db)
        self.equity = EquityTable(db)
        self.decisions = DecisionTable(db)
        self.events = EventTable(db)
        self.audit = AuditLog(db)
        self.validations = ValidationTable(db)

    @classmethod
    def open(
        cls, path: Path | str, migrations: tuple[Migration, ...] = MIGRATIONS
    ) -> DaemonStore:
        """Open and migrate; ``migrations`` is only ever shortened by tests of old databases."""
        return cls(open_database(path, migrations))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.transaction():
            yield

    @property
    def schema_version(self) -> int:
        return self.db.schema_version

    def close(self) -> None:
        self.db.close()
