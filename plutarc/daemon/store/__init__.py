"""The daemon store: the one module that owns the daemon's SQLite schema."""

from plutarc.daemon.store.database import DaemonStore
from plutarc.daemon.store.journal import NewDecision
from plutarc.daemon.store.records import (
    AuditRecord,
    BotRecord,
    DecisionRecord,
    EquityRecord,
    EventRecord,
    FillRecord,
    OrderRecord,
    PositionRecord,
    TemplateRecord,
    TradeRecord,
)
from plutarc.daemon.store.schema import MIGRATIONS

__all__ = [
    "MIGRATIONS",
    "AuditRecord",
    "BotRecord",
    "DaemonStore",
    "DecisionRecord",
    "EquityRecord",
    "EventRecord",
    "FillRecord",
    "NewDecision",
    "OrderRecord",
    "PositionRecord",
    "TemplateRecord",
    "TradeRecord",
]
