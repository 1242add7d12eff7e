"""Local market-data store (Parquet per venue/symbol/series/month) and its downloader."""

from plutarc.marketdata.store import MarketStore, default_store

__all__ = ["MarketStore", "default_store"]
