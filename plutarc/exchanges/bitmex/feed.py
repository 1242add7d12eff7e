"""Websocket frames -> tables -> plutarc events: candles, quotes, orders, fills, positions.

This is the hot path: one decoded frame in, parsed events out, synchronously. A fill moves
our position at once (latency recorded as exec_to_position_us); venue position rows then
replace our numbers. A row with a value we do not know costs that row only (rowcheck.py):
skipped and logged once when it is not ours, an ALERT for the order when it is.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any

from plutarc.errors import DataError
from plutarc.exchanges.bitmex.latency import LatencyBook
from plutarc.exchanges.bitmex.parse import (
    balance_from_wire,
    check_exec_type,
    fill_from_wire,
    order_from_wire,
    position_from_wire,
)
from plutarc.exchanges.bitmex.parse_market import QuoteTick, candle_from_bin, quote_from_wire
from plutarc.exchanges.bitmex.positions import PositionBook
from plutarc.exchanges.bitmex.rowcheck import RowTriage
from plutarc.exchanges.bitmex.schemas import (
    WireExecution,
    WireMargin,
    WireOrder,
    WirePosition,
    WireQuote,
    WireTradeBin,
)
from plutarc.exchanges.bitmex.streams import Broadcast
from plutarc.exchanges.bitmex.tables import Row, TableStore
from plutarc.exchanges.bitmex.timestamps import iso_to_ms
from plutarc.intervals import interval_ms
from plutarc.models import Balance, Candle, Fill, Instrument, Order, OrderRequest, Position

log = logging.getLogger("plutarc.exchanges.bitmex.feed")

BIN_TABLES = {"tradeBin1m": "1m", "tradeBin5m": "5m", "tradeBin1h": "1h", "tradeBin1d": "1d"}
_SEEN_FILLS_MAX = 10_000


class Feed:
    """Turns BitMEX table frames into our types and publishes them."""

    def __init__(
        self,
        currencies: dict[str, tuple[str, int]],
        latency: LatencyBook,
        *,
        fill_exec_types: tuple[str, ...] = ("Trade", "Liquidation", "Bankruptcy"),
        max_rows: int = 2000,
    ) -> None:
        self.instruments: dict[str, Instrument] = {}  # by venue symbol
        self.by_symbol: dict[str, Instrument] = {}  # by our symbol
        self.currencies = currencies
        self.latency = latency
        self.fill_exec_types = frozenset(fill_exec_types)
        self.store = TableStore(max_rows)
        self.requests: dict[str, OrderRequest] = {}  # what we sent, by clOrdID
        self.triage = RowTriage(self.requests)
        self.orders: dict[str, Order] = {}  # newest view, by client id
        self.positions = PositionBook()
        self.balances: dict[str, Balance] = {}
        self.quotes: dict[str, QuoteTick] = {}
        self.candles: dict[tuple[str, str], Broadcast[Candle]] = {}
        self.fills: Broadcast[Fill] = Broadcast("fills")
        self.order_updates: Broadcast[Order] = Broadcast("orders")
        self.position_updates: Broadcast[Position] = Broadcast("positions")
        self.balance_updates: Broadcast[Balance] = Broadcast("balances")
        self.quote_updates: Broadcast[QuoteTick] = Broadcast("quotes")
        self._last_bin_end: dict[tuple[str, str], int] = {}
        self._seen_fills: OrderedDict[str, None] = OrderedDict()
        self.last_fill_ms = 0
        self._age_stats: dict[str, Any] = {}
        self._exec_latency = latency.get("exec_to_position_us", unit="us")
        self._handlers = {
            "order": self._on_orders,
            "execution": self._on_executions,
            "position": self._on_positions,
            "margin": self._on_margins,
            "quote": self._on_quotes,
        }

    # entry point -------------------------------------------------------------------------
    def on_frame(self, frame: dict[str, Any], recv_ms: int, rx_ns: int = 0) -> None:
        self.apply(self.store, frame, recv_ms, rx_ns)

    def apply(self, store: TableStore, frame: dict[str, Any], recv_ms: int, rx_ns: int) -> None:
        """Apply one frame to ``store`` (one per connection) and publish what it changed."""
        table, action, rows = store.apply(frame)
        if not rows:
            return
        if action != "partial":
            stamp = rows[-1].get("timestamp")
            if stamp:
                stats = self._age_stats.get(table)
                if stats is None:
                    stats = self._age_stats[table] = self.latency.get(f"ws_age_ms:{table}")
                stats.record(recv_ms - iso_to_ms(stamp))
        handler = self._handlers.get(table)
        if handler is not None:
            handler(action, rows, rx_ns)
        elif table in BIN_TABLES and action in ("insert", "partial"):
            self._on_bins(BIN_TABLES[table], rows)

    def reset(self) -> None:
        """A new connection: tables wait for fresh partials."""
        self.store.reset()

    def broadcast_for(self, venue_symbol: str, bin_size: str) -> Broadcast[Candle]:
        key = (venue_symbol, bin_size)
        if key not in self.candles:
            self.candles[key] = Broadcast(f"candles {venue_symbol} {bin_size}")
        return self.candles[key]

    # candles -----------------------------------------------------------------------------
    def emit_candle(self, venue_symbol: str, bin_size: str, candle: Candle) -> bool:
        """Publish a closed native candle once (websocket and REST catch-up both call this)."""
        key = (venue_symbol, bin_size)
        if candle.close_ts_ms <= self._last_bin_end.get(key, -1):
            return False
        self._last_bin_end[key] = candle.close_ts_ms
        self.broadcast_for(venue_symbol, bin_size).publish(candle)
        return True

    def last_bin_end(self, venue_symbol: str, bin_size: str) -> int | None:
        return self._last_bin_end.get((venue_symbol, bin_size))

    def _on_bins(self, bin_size: str, rows: list[Row]) -> None:
        step = interval_ms(bin_size)
        for row in sorted(rows, key=lambda r: r.get("timestamp") or ""):
            wire = WireTradeBin.of(row)
            try:
                candle = candle_from_bin(wire, step)
            except DataError as exc:
                self._fail(self.broadcast_for(wire.symbol, bin_size), exc)
                continue
            self.emit_candle(wire.symbol, bin_size, candle)

    # quotes ------------------------------------------------------------------------------
    def _on_quotes(self, action: str, rows: list[Row], rx_ns: int) -> None:
        for row in rows:
            wire = WireQuote.of(row)
            inst = self.instruments.get(wire.symbol)
            tick = quote_from_wire(wire, inst.symbol if inst else wire.symbol)
            self.quotes[wire.symbol] = tick
            self.quote_updates.publish(tick)

    # orders ------------------------------------------------------------------------------
    def order_from_row(self, row: Row) -> Order | None:
        wire = WireOrder.of(row)
        inst = self.instruments.get(wire.symbol or "")
        if inst is None:
            log.warning("BitMEX order %s on untraded symbol %s ignored", wire.orderID, wire.symbol)
            return None
        known = self.requests.get(wire.clOrdID or "")
        order = order_from_wire(wire, inst.symbol, known)
        self.orders[order.client_id] = order
        return order

    def guarded_order(self, row: Row) -> Order | None:
        """``order_from_row``, or None (triaged) when the row carries an unknown value."""
        return self.triage.guard("order", row, lambda: self.order_from_row(row))

    def _on_orders(self, action: str, rows: list[Row], rx_ns: int) -> None:
        if action == "delete":
            return
        for row in rows:
            order = self.guarded_order(row)
            if order is not None:
                self.order_updates.publish(order)

    # fills and positions ----------------------------------------------------------------
    def fill_from_row(self, row: Row) -> Fill | None:
        """A Fill for a trade execution (None for other execTypes, untraded symbols and rows
        with a value we do not know, which are triaged)."""
        return self.triage.guard("execution", row, lambda: self._fill_from_row(row))

    def _fill_from_row(self, row: Row) -> Fill | None:
        wire = WireExecution.of(row)
        exec_type = check_exec_type(wire)
        if exec_type not in self.fill_exec_types:
            return None
        inst = self.instruments.get(wire.symbol or "")
        if inst is None:
            log.debug("BitMEX execution %s on untraded symbol %s ignored", wire.execID,
                      wire.symbol)
            return None
        known = self.requests.get(wire.clOrdID or "")
        return fill_from_wire(wire, inst, self.currencies, known.tag if known else "")

    def accept_fill(self, fill: Fill) -> Position | None:
        """Apply a fill once (by execID) and publish it with the position it produces."""
        if fill.fill_id in self._seen_fills:
            return None
        self._seen_fills[fill.fill_id] = None
        if len(self._seen_fills) > _SEEN_FILLS_MAX:
            self._seen_fills.popitem(last=False)
        self.last_fill_ms = max(self.last_fill_ms, fill.ts_ms)
        inst = self.by_symbol.get(fill.symbol)
        position = self.positions.apply_fill(inst, fill) if inst is not None else None
        self.fills.publish(fill)
        if position is not None:
            self.position_updates.publish(position)
        return position

    def _on_executions(self, action: str, rows: list[Row], rx_ns: int) -> None:
        if action not in ("insert", "partial"):
            return
        for row in rows:
            fill = self.fill_from_row(row)
            if fill is None or action == "partial":
                continue  # a partial is history: fills_since() serves it
            if self.accept_fill(fill) is not None and rx_ns:
                self._exec_latency.record((time.perf_counter_ns() - rx_ns) / 1000)

    def _on_positions(self, action: str, rows: list[Row], rx_ns: int) -> None:
        if action == "delete":
            return
        for row in rows:
            wire = WirePosition.of(row)
            inst = self.instruments.get(wire.symbol)
            if inst is None:
                continue
            try:
                position = position_from_wire(wire, inst.symbol, self.currencies)
            except DataError as exc:
                self._fail(self.position_updates, exc)
                continue
            self.position_updates.publish(self.positions.set_from_venue(position))

    def _on_margins(self, action: str, rows: list[Row], rx_ns: int) -> None:
        if action == "delete":
            return
        for row in rows:
            balance = self.balance_from_row(row)
            if balance is None:
                continue
            self.balances[balance.currency] = balance
            self.balance_updates.publish(balance)

    def balance_from_row(self, row: Row) -> Balance | None:
        """A Balance, or None (logged once) for a currency we do not know."""
        return self.triage.guard(
            "margin", row, lambda: balance_from_wire(WireMargin.of(row), self.currencies))

    # helpers -----------------------------------------------------------------------------
    def set_instruments(self, instruments: list[Instrument]) -> None:
        self.instruments = {inst.venue_symbol: inst for inst in instruments}
        self.by_symbol = {inst.symbol: inst for inst in instruments}

    @staticmethod
    def _fail(broadcast: Broadcast, exc: DataError) -> None:
        log.error("BitMEX payload rejected: %s", exc)
        broadcast.fail(exc)
