"""The order intent journal and the fills table.

An intent is journaled (durably) with its deterministic client id BEFORE it is sent; after
a crash the journal says which orders were never sent and which are in doubt (sent, never
acknowledged): those must be looked up at the venue, never re-sent blindly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from decimal import Decimal

from plutarc.daemon.store._query import Where, recent_first_then_chronological
from plutarc.daemon.store.codec import dec_text, text_dec
from plutarc.daemon.store.records import FillRecord, OrderRecord
from plutarc.errors import StrategyError
from plutarc.models.enums import OrderStatus
from plutarc.models.orders import Fill, OrderRequest
from plutarc.storage.sqlite import Database

_OPEN = tuple(s.value for s in OrderStatus if s.is_open)
# The same list as SQL literals: the partial index orders_open is used only when the query
# names its statuses as constants (bound parameters would not match its WHERE).
_OPEN_SQL = "(" + ", ".join(f"'{s}'" for s in _OPEN) + ")"


def _order(row: sqlite3.Row) -> OrderRecord:
    return OrderRecord(
        client_id=row["client_id"], bot_id=row["bot_id"], symbol=row["symbol"],
        side=row["side"], type=row["type"], qty=Decimal(row["qty"]),
        price=text_dec(row["price"]), stop_price=text_dec(row["stop_price"]),
        trail_offset=text_dec(row["trail_offset"]), reduce_only=bool(row["reduce_only"]),
        post_only=bool(row["post_only"]), time_in_force=row["time_in_force"],
        status=row["status"], venue_id=row["venue_id"], filled_qty=Decimal(row["filled_qty"]),
        avg_price=text_dec(row["avg_price"]), journaled_ms=row["journaled_ms"],
        sent_ms=row["sent_ms"], acked_ms=row["acked_ms"], updated_ms=row["updated_ms"],
        tag=row["tag"], reason=row["reason"],
    )


class OrderJournal:
    def __init__(self, db: Database) -> None:
        self._db = db

    def journal(self, bot_id: str, request: OrderRequest, ts_ms: int) -> OrderRecord:
        """Record the intent durably, status pending; a client id is journaled only once."""
        self.journal_intent(bot_id, request, ts_ms)
        record = self.get(request.client_id)
        assert record is not None
        return record

    def journal_intent(self, bot_id: str, request: OrderRequest, ts_ms: int) -> None:
        """``journal`` without reading the row back: the order path's step before the send
        (the primary key refuses a second journal of a client id; no SELECT first)."""
        with self._db.transaction(durable=True):
            try:
                self._db.execute(
                    "INSERT INTO orders (client_id, bot_id, symbol, side, type, qty, price, "
                    "stop_price, trail_offset, reduce_only, post_only, time_in_force, status, "
                    "journaled_ms, updated_ms, tag) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (request.client_id, bot_id, request.symbol, request.side.value,
                     request.type.value, dec_text(request.qty), dec_text(request.price),
                     dec_text(request.stop_price), dec_text(request.trail_offset),
                     int(request.reduce_only), int(request.post_only),
                     request.time_in_force.value, OrderStatus.PENDING.value, ts_ms, ts_ms,
                     request.tag),
                )
            except sqlite3.IntegrityError:
                existing = self.get(request.client_id)
                if existing is None:  # another constraint (e.g. an unknown bot): as it is
                    raise
                raise StrategyError(
                    f"order {request.client_id} is already journaled ({existing.status}): "
                    "an order is never sent twice; look it up at the venue instead"
                ) from None

    def known(self, client_id: str) -> bool:
        """Whether the client id is journaled (the send path's check; no row is built)."""
        return self._db.execute("SELECT 1 FROM orders WHERE client_id = ?",
                                (client_id,)).fetchone() is not None

    def open_on(self, bot_id: str, symbol: str) -> list[sqlite3.Row]:
        """The bot's open orders on ``symbol`` (client id, side, type, qty, filled qty,
        reduce-only), for the risk gate before every send. ``+bot_id`` keeps the planner off
        the bot's time index, which walks every order the bot ever journaled (0.8 ms at 3,000
        orders, growing with the bot's age); the partial index of open orders stays small."""
        return self._db.execute(
            "SELECT client_id, side, type, qty, filled_qty, reduce_only FROM orders "
            f"WHERE +bot_id = ? AND symbol = ? AND status IN {_OPEN_SQL}",
            (bot_id, symbol)).fetchall()

    def mark_sent(self, client_id: str, ts_ms: int) -> None:
        self._update(client_id, "sent_ms = COALESCE(sent_ms, ?), updated_ms = ?", (ts_ms, ts_ms))

    def mark_acked(self, client_id: str, venue_id: str, status: OrderStatus, ts_ms: int) -> None:
        self._update(
            client_id,
            "venue_id = ?, status = ?, acked_ms = COALESCE(acked_ms, ?), updated_ms = ?",
            (venue_id, status.value, ts_ms, ts_ms),
        )

    def update_status(
        self,
        client_id: str,
        status: OrderStatus,
        ts_ms: int,
        filled_qty: Decimal | None = None,
        avg_price: Decimal | None = None,
        reason: str | None = None,
    ) -> None:
        self._update(
            client_id,
            "status = ?, filled_qty = COALESCE(?, filled_qty), "
            "avg_price = COALESCE(?, avg_price), reason = COALESCE(?, reason), updated_ms = ?",
            (status.value, dec_text(filled_qty), dec_text(avg_price), reason, ts_ms),
        )

    def get(self, client_id: str) -> OrderRecord | None:
        row = self._db.execute("SELECT * FROM orders WHERE client_id = ?", (client_id,)).fetchone()
        return _order(row) if row else None

    def query(
        self,
        bot_id: str | None = None,
        open_only: bool = False,
        since_ms: int | None = None,
        limit: int = 100,
    ) -> list[OrderRecord]:
        where = Where().maybe("bot_id = ?", bot_id).maybe("journaled_ms >= ?", since_ms)
        if open_only:
            where.add(f"status IN ({','.join('?' * len(_OPEN))})", *_OPEN)
        sql, params = recent_first_then_chronological(
            "SELECT * FROM orders", where, "journaled_ms", since_ms is not None, limit
        )
        return [_order(r) for r in self._db.execute(sql, params)]

    def has_open(self, bot_id: str, symbol: str | None = None) -> bool:
        """Whether the bot (on ``symbol``, or any) has an order the journal holds open.
        Asked at every close of a bot with trading sessions; through the open-orders index,
        as ``open_on`` (a flat bot's answer read its whole history through the time index)."""
        where = Where().maybe("+bot_id = ?", bot_id).maybe("symbol = ?", symbol)
        where.add(f"status IN {_OPEN_SQL}")
        row = self._db.execute(f"SELECT 1 FROM orders{where.sql()} LIMIT 1", where.params)
        return row.fetchone() is not None

    def unsent(self, bot_id: str) -> list[OrderRecord]:
        """Journaled but never handed to the venue: safe to send or to drop."""
        rows = self._db.execute(
            "SELECT * FROM orders WHERE bot_id = ? AND status = 'pending' AND sent_ms IS NULL "
            "ORDER BY journaled_ms", (bot_id,))
        return [_order(r) for r in rows]

    def in_doubt(self, bot_id: str) -> list[OrderRecord]:
        """Sent but never acknowledged: ask the venue by client id, never resend."""
        rows = self._db.execute(
            "SELECT * FROM orders WHERE bot_id = ? AND status = 'pending' "
            "AND sent_ms IS NOT NULL AND acked_ms IS NULL ORDER BY journaled_ms", (bot_id,))
        return [_order(r) for r in rows]

    def _update(self, client_id: str, assignments: str, params: tuple[object, ...]) -> None:
        with self._db.transaction():
            cursor = self._db.execute(
                f"UPDATE orders SET {assignments} WHERE client_id = ?", (*params, client_id)
            )
        if cursor.rowcount != 1:
            raise StrategyError(f"order {client_id} was never journaled")


def _fill(row: sqlite3.Row) -> FillRecord:
    return FillRecord(
        fill_id=row["fill_id"], client_id=row["client_id"], bot_id=row["bot_id"],
        venue_order_id=row["venue_order_id"], symbol=row["symbol"], side=row["side"],
        qty=Decimal(row["qty"]), price=Decimal(row["price"]), fee=Decimal(row["fee"]),
        fee_currency=row["fee_currency"], liquidity=row["liquidity"], ts_ms=row["ts_ms"],
        tag=row["tag"],
    )


class FillTable:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, bot_id: str, fill: Fill) -> bool:
        """Store a fill; False when that fill id was already stored (venues replay fills)."""
        return self.record_many(bot_id, [fill]) == 1

    def known(self, fill_id: str) -> bool:
        """Whether this fill id is stored already."""
        return self._db.execute("SELECT 1 FROM fills WHERE fill_id = ?",
                                (fill_id,)).fetchone() is not None

    def record_many(self, bot_id: str, fills: Iterable[Fill]) -> int:
        """Store fills in one transaction; returns how many were new."""
        added = 0
        with self._db.transaction():
            for fill in fills:
                cursor = self._db.execute(
                    "INSERT INTO fills (fill_id, client_id, bot_id, venue_order_id, symbol, "
                    "side, qty, price, fee, fee_currency, liquidity, ts_ms, tag) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (fill_id) DO NOTHING",
                    (fill.fill_id, fill.client_id, bot_id, fill.venue_order_id, fill.symbol,
                     fill.side.value, dec_text(fill.qty), dec_text(fill.price),
                     dec_text(fill.fee), fill.fee_currency, fill.liquidity.value, fill.ts_ms,
                     fill.tag),
                )
                added += cursor.rowcount
        return added

    def query(
        self,
        bot_id: str | None = None,
        client_id: str | None = None,
        since_ms: int | None = None,
        limit: int = 100,
    ) -> list[FillRecord]:
        where = (Where().maybe("bot_id = ?", bot_id).maybe("client_id = ?", client_id)
                 .maybe("ts_ms >= ?", since_ms))
        sql, params = recent_first_then_chronological(
            "SELECT * FROM fills", where, "ts_ms", since_ms is not None, limit
        )
        return [_fill(r) for r in self._db.execute(sql, params)]
