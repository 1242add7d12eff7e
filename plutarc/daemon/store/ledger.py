"""The ledger tables: closed trades, latest positions per bot and symbol, equity snapshots."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

from plutarc.daemon.store._query import Where, recent_first_then_chronological
from plutarc.daemon.store.codec import dec_text, json_text, text_dec
from plutarc.daemon.store.records import EquityRecord, PositionRecord, TradeRecord
from plutarc.models.account import Position
from plutarc.models.trade import Trade
from plutarc.storage.sqlite import Database


def _trade(row: sqlite3.Row) -> TradeRecord:
    return TradeRecord(
        id=row["id"], bot_id=row["bot_id"], symbol=row["symbol"], direction=row["direction"],
        qty=Decimal(row["qty"]), entry_ts_ms=row["entry_ts_ms"],
        entry_price=Decimal(row["entry_price"]), exit_ts_ms=row["exit_ts_ms"],
        exit_price=Decimal(row["exit_price"]), gross_pnl=Decimal(row["gross_pnl"]),
        fees=Decimal(row["fees"]), funding=Decimal(row["funding"]),
        net_pnl=Decimal(row["net_pnl"]), exit_reason=row["exit_reason"], mfe=row["mfe"],
        mae=row["mae"], entry_snapshot=json.loads(row["entry_snapshot"]),
    )


class TradeTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, bot_id: str, trade: Trade) -> TradeRecord:
        with self._db.transaction():
            cursor = self._db.execute(
                "INSERT INTO trades (bot_id, symbol, direction, qty, entry_ts_ms, entry_price, "
                "exit_ts_ms, exit_price, gross_pnl, fees, funding, net_pnl, exit_reason, mfe, "
                "mae, entry_snapshot) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (bot_id, trade.symbol, trade.direction.value, dec_text(trade.qty),
                 trade.entry_ts_ms, dec_text(trade.entry_price), trade.exit_ts_ms,
                 dec_text(trade.exit_price), dec_text(trade.gross_pnl), dec_text(trade.fees),
                 dec_text(trade.funding), dec_text(trade.net_pnl), trade.exit_reason,
                 float(trade.mfe), float(trade.mae), json_text(trade.entry_snapshot)),
            )
            row = self._db.execute("SELECT * FROM trades WHERE id = ?",
                                   (cursor.lastrowid,)).fetchone()
        return _trade(row)

    def query(
        self, bot_id: str | None = None, since_ms: int | None = None, limit: int = 100
    ) -> list[TradeRecord]:
        where = Where().maybe("bot_id = ?", bot_id).maybe("exit_ts_ms >= ?", since_ms)
        sql, params = recent_first_then_chronological(
            "SELECT * FROM trades", where, "id", since_ms is not None, limit
        )
        return [_trade(r) for r in self._db.execute(sql, params)]


def _position(row: sqlite3.Row) -> PositionRecord:
    return PositionRecord(
        bot_id=row["bot_id"], symbol=row["symbol"], qty=Decimal(row["qty"]),
        entry_price=text_dec(row["entry_price"]), leverage=Decimal(row["leverage"]),
        liquidation_price=text_dec(row["liquidation_price"]),
        realised_pnl=Decimal(row["realised_pnl"]), unrealised_pnl=Decimal(row["unrealised_pnl"]),
        ts_ms=row["ts_ms"],
    )


class PositionTable:
    """Only the latest position per (bot, symbol): history lives in fills and trades."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert(self, bot_id: str, position: Position) -> None:
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO positions (bot_id, symbol, qty, entry_price, leverage, "
                "liquidation_price, realised_pnl, unrealised_pnl, ts_ms) "
                "VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (bot_id, symbol) DO UPDATE SET "
                "qty = excluded.qty, entry_price = excluded.entry_price, "
                "leverage = excluded.leverage, liquidation_price = excluded.liquidation_price, "
                "realised_pnl = excluded.realised_pnl, unrealised_pnl = excluded.unrealised_pnl, "
                "ts_ms = excluded.ts_ms",
                (bot_id, position.symbol, dec_text(position.qty), dec_text(position.entry_price),
                 dec_text(position.leverage), dec_text(position.liquidation_price),
                 dec_text(position.realised_pnl), dec_text(position.unrealised_pnl),
                 position.ts_ms),
            )

    def get(self, bot_id: str, symbol: str) -> PositionRecord | None:
        row = self._db.execute("SELECT * FROM positions WHERE bot_id = ? AND symbol = ?",
                               (bot_id, symbol)).fetchone()
        return _position(row) if row else None

    def query(self, bot_id: str | None = None, include_flat: bool = False) -> list[PositionRecord]:
        where = Where().maybe("bot_id = ?", bot_id)
        if not include_flat:
            # Decimal text can be '0', '0.000' or '-0': compare numerically.
            where.add("CAST(qty AS REAL) != 0")
        rows = self._db.execute(f"SELECT * FROM positions{where.sql()} ORDER BY bot_id, symbol",
                                where.params)
        return [_position(r) for r in rows]


def _equity(row: sqlite3.Row) -> EquityRecord:
    return EquityRecord(
        id=row["id"], bot_id=row["bot_id"], ts_ms=row["ts_ms"], currency=row["currency"],
        equity=Decimal(row["equity"]), balance=Decimal(row["balance"]),
        unrealised_pnl=Decimal(row["unrealised_pnl"]),
    )


class EquityTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(
        self, bot_id: str, ts_ms: int, currency: str, balance: Decimal, unrealised_pnl: Decimal
    ) -> EquityRecord:
        balance_text, unrealised_text = dec_text(balance), dec_text(unrealised_pnl)
        equity = balance + unrealised_pnl
        with self._db.transaction():
            cursor = self._db.execute(
                "INSERT INTO equity (bot_id, ts_ms, currency, equity, balance, unrealised_pnl) "
                "VALUES (?,?,?,?,?,?)",
                (bot_id, ts_ms, currency, dec_text(equity), balance_text, unrealised_text),
            )
        return EquityRecord(id=int(cursor.lastrowid or 0), bot_id=bot_id, ts_ms=ts_ms,
                            currency=currency, equity=equity, balance=balance,
                            unrealised_pnl=unrealised_pnl)

    def query(
        self, bot_id: str | None = None, since_ms: int | None = None, limit: int = 1000
    ) -> list[EquityRecord]:
        where = Where().maybe("bot_id = ?", bot_id).maybe("ts_ms >= ?", since_ms)
        sql, params = recent_first_then_chronological(
            "SELECT * FROM equity", where, "id", since_ms is not None, limit
        )
        return [_equity(r) for r in self._db.execute(sql, params)]
