"""Partial frames: the full image of one subscription, with its keys and filter."""

from __future__ import annotations

from typing import Any

from plutarc.exchanges.bitmex_sim import market_data
from plutarc.exchanges.bitmex_sim.account_rows import MARGIN_KEYS, POSITION_KEYS
from plutarc.exchanges.bitmex_sim.exchange import SimExchange
from plutarc.exchanges.bitmex_sim.rows import TERMINAL

PRIVATE_TABLES = frozenset({"order", "execution", "position", "margin"})
KEYS: dict[str, list[str]] = {
    "order": ["orderID"],
    "execution": ["execID"],
    "position": list(POSITION_KEYS),
    "margin": list(MARGIN_KEYS),
    "instrument": ["symbol"],
    "funding": ["timestamp", "symbol"],
}
RECENT_EXECUTIONS = 100


def _public_rows(exchange: SimExchange, table: str, symbols: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for symbol in symbols:
        listing = exchange.venues.get(symbol)
        if table == "instrument":
            rows.append(exchange.instrument_row(symbol))
        elif listing is None:
            continue
        elif table == "quote":
            rows.append(market_data.quote_row(listing.row, listing.inst, listing.market))
        elif table.startswith("tradeBin"):
            size = table.removeprefix("tradeBin")
            now = listing.market.now_ms
            rows += [market_data.bin_row(listing.row, b)
                     for b in listing.market.bins(size, 0, now, count=1, reverse=True)]
        elif table == "funding":
            past = market_data.funding_rows(
                symbol, listing.market, exchange.config.engine.funding_rate_constant or 0.0,
                exchange.config.engine.funding_interval_ms,
                exchange.config.engine.funding_offset_h * 3_600_000)
            rows += past[-1:]
    return rows


def _private_rows(exchange: SimExchange, table: str, symbol: str | None) -> list[dict[str, Any]]:
    if table == "order":
        rows = [r for r in exchange.orders.values() if r["ordStatus"] not in TERMINAL]
    elif table == "execution":
        rows = exchange.executions[-RECENT_EXECUTIONS:]
    elif table == "position":
        rows = list(exchange.positions.values())
    else:
        rows = list(exchange.margins.values())
    return [r for r in rows if symbol is None or r.get("symbol") == symbol]


def partial_frame(exchange: SimExchange, table: str, symbol: str | None) -> dict[str, Any]:
    if table in PRIVATE_TABLES:
        data = _private_rows(exchange, table, symbol)
        filter_: dict[str, Any] = {"account": exchange.config.account_id}
    else:
        symbols = [symbol] if symbol else (
            list(exchange.instrument_rows) if table == "instrument" else list(exchange.venues))
        data = _public_rows(exchange, table, symbols)
        filter_ = {}
    if symbol:
        filter_["symbol"] = symbol
    return {
        "table": table,
        "action": "partial",
        "keys": KEYS.get(table, []),
        "types": {},
        "foreignKeys": {"symbol": "instrument", "side": "side"},
        "attributes": {},
        "filter": filter_,
        "data": data,
    }
