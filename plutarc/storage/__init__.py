"""Generic storage helpers shared by the daemon store and the backtest results store."""

from plutarc.storage.sqlite import Database, Migration, open_database

__all__ = ["Database", "Migration", "open_database"]
