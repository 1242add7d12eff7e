"""The simulated BitMEX account and book: orders through plutarc's matching engine, replayed bars.

Each replayed symbol has a SimMatchingEngine (plutarc/exchanges/sim) over the same real 1m
bars the server serves; one SimAccount holds the wallets. Order entry, amends and cancels
change engine state at once; fills happen as the replay clock closes bars (``advance``).
Every change is published as BitMEX table rows (order, execution, position, margin,
tradeBin*, instrument, quote) to whoever listens (the websocket hub).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from plutarc.errors import ConfigError, InsufficientFunds, OrderRejected
from plutarc.exchanges.bitmex.config import DEFAULT_CURRENCIES
from plutarc.exchanges.bitmex.timestamps import iso_to_ms
from plutarc.exchanges.bitmex_sim import market_data, replay
from plutarc.exchanges.bitmex_sim.account_rows import (
    MARGIN_KEYS,
    POSITION_KEYS,
    margin_row,
    position_row,
)
from plutarc.exchanges.bitmex_sim.config import SimServerConfig
from plutarc.exchanges.bitmex_sim.entry import NewOrder
from plutarc.exchanges.bitmex_sim.listing import Listing, make_listing
from plutarc.exchanges.bitmex_sim.order_rules import (
    check_caps,
    check_counts,
    check_risk_limit,
    oversized_reduce_only,
    reduce_only_refusal,
)
from plutarc.exchanges.bitmex_sim.params import ParamError
from plutarc.exchanges.bitmex_sim.rows import (
    TERMINAL,
    WIRE_STATUS,
    changed_fields,
    execution_row,
    new_id,
    order_row,
)
from plutarc.exchanges.sim import SimAccount
from plutarc.models import Fill, OrderRequest, OrderType

Publisher = Callable[[str, str, list[dict[str, Any]]], None]
ORDER_KEYS = ("orderID", "clOrdID", "account", "symbol")
# Stops whose trigger reference (execInst MarkPrice, IndexPrice; MarkPrice when none is given,
# per the swagger) is a smoothed price: the simulator's mark is the bar close (no intrabar
# extremes) or a /control/mark print. Trailing stops follow the last price.
REFERENCE_STOPS = frozenset({OrderType.STOP_MARKET, OrderType.STOP_LIMIT})


class SimExchange:
    def __init__(self, config: SimServerConfig) -> None:
        self.config = config
        rows = json.loads(config.instruments_file.read_text())
        self.instrument_rows: dict[str, dict[str, Any]] = {r["symbol"]: r for r in rows}
        self.currencies = dict(DEFAULT_CURRENCIES)
        starting = {}
        for wire, amount in config.starting_balances.items():
            ours, divisor = self.currencies[wire]
            starting[ours] = Decimal(amount) / divisor
        self.account = SimAccount(starting)
        self.venues: dict[str, Listing] = {}
        for symbol, path in config.replay.items():
            row = self.instrument_rows.get(symbol)
            if row is None:
                raise ConfigError(f"cannot replay {symbol}: not in the recorded instruments")
            self.venues[symbol] = make_listing(row, path, config, self.account, self.currencies)
        stamps = {v.market.now_ms for v in self.venues.values()}
        if len(stamps) > 1:
            raise ConfigError("replayed candle files must share their timestamps")
        self.orders: dict[str, dict[str, Any]] = {}  # orderID -> row, in entry order
        self.specs: dict[str, tuple[NewOrder, str]] = {}  # orderID -> (entry, engine id)
        self.by_cl_ord_id: dict[str, str] = {}
        self.by_engine_id: dict[str, str] = {}
        self.executions: list[dict[str, Any]] = []
        self.positions: dict[str, dict[str, Any]] = {}
        self.margins: dict[str, dict[str, Any]] = {}
        self.accepted_orders: dict[str, int] = {}  # clOrdID -> orders created with it
        self.listeners: list[Publisher] = []
        for wire in config.starting_balances:
            self.margins[wire] = self._margin_row(wire)

    # clock and publishing ----------------------------------------------------------------
    @property
    def now_ms(self) -> int:
        return next(iter(self.venues.values())).market.now_ms

    def publish(self, table: str, action: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            for listener in self.listeners:
                listener(table, action, rows)

    def venue(self, symbol: str | None) -> Listing:
        found = self.venues.get(symbol or "")
        if found is None:
            known = "listed" if symbol in self.instrument_rows else "unknown"
            raise ParamError(f"Invalid symbol {symbol!r}: {known} but not traded in this "
                             "simulator" if known == "listed" else f"Invalid symbol {symbol!r}")
        return found

    # public rows -------------------------------------------------------------------------
    def instrument_row(self, symbol: str) -> dict[str, Any]:
        venue = self.venues.get(symbol)
        row = self.instrument_rows[symbol]
        if venue is None:
            return row
        return market_data.live_instrument(
            row, venue.inst, venue.market, self._funding_rate(),
            self.config.engine.funding_interval_ms, self.config.engine.funding_offset_h * 3_600_000,
        )

    def _funding_rate(self) -> float:
        return self.config.engine.funding_rate_constant or 0.0

    # order entry -------------------------------------------------------------------------
    def place(self, symbol: str, spec: NewOrder) -> dict[str, Any]:
        venue = self.venue(symbol)
        if spec.cl_ord_id and spec.cl_ord_id in self.by_cl_ord_id:
            raise ParamError("Duplicate clOrdID")
        check_caps(spec, venue.row)
        check_counts(spec, symbol, self.orders)
        check_risk_limit(spec, venue.row, venue.engine.position.qty,
                         Decimal(repr(venue.market.last_close)))
        order_id = new_id()
        engine_id = spec.cl_ord_id or order_id
        now = self.now_ms
        refusal = reduce_only_refusal(spec, venue.engine.position.qty)
        if refusal is None and spec.post_only and self._would_take(venue, spec):
            refusal = "Canceled: Order had execInst of ParticipateDoNotInitiate\n" + spec.text
        if refusal is not None:  # BitMEX: HTTP 200 and a Canceled order saying why
            row = self._row(venue, order_id, spec, "Canceled", Decimal(0), None, now,
                            text=refusal)
            self._record(order_id, spec, engine_id, row)
            self.publish("order", "insert", [row])
            self._execution(row, venue, "Canceled")
            return row
        request = OrderRequest(
            client_id=engine_id, symbol=venue.inst.symbol, side=spec.side, type=spec.kind,
            qty=spec.qty, price=spec.price,
            stop_price=spec.stop_px if spec.kind is not OrderType.TRAILING_STOP else None,
            trail_offset=abs(spec.peg_offset) if spec.kind is OrderType.TRAILING_STOP else None,
            post_only=spec.post_only, reduce_only=spec.reduce_only,
            time_in_force=spec.time_in_force,
        )
        try:
            snapshot = venue.engine.submit(request, now, whole_position=spec.whole_position)
        except InsufficientFunds as exc:
            raise ParamError(f"Account has insufficient Available Balance: {exc}") from None
        except OrderRejected as exc:
            raise ParamError(str(exc)) from None
        if spec.kind in REFERENCE_STOPS and "LastPrice" not in spec.exec_inst.split(","):
            venue.engine.trigger_on_reference(engine_id)  # MarkPrice (the default), IndexPrice
        row = self._row(venue, order_id, spec, WIRE_STATUS[snapshot.status], Decimal(0), None, now)
        self._record(order_id, spec, engine_id, row)
        self.publish("order", "insert", [row])
        self._execution(row, venue, "New")
        if spec.kind is OrderType.MARKET:  # BitMEX answers a market order Filled
            for fill in venue.engine.fill_at_last(engine_id, now):
                row = self.sync_order(order_id, fill=fill)
        self.publish_account(venue)
        return row

    def _would_take(self, venue: Listing, spec: NewOrder) -> bool:
        last = Decimal(repr(venue.market.last_close))
        assert spec.price is not None
        return spec.price >= last if spec.side.sign > 0 else spec.price <= last

    def _record(self, order_id: str, spec: NewOrder, engine_id: str, row: dict) -> None:
        self.orders[order_id] = row
        self.specs[order_id] = (spec, engine_id)
        self.by_engine_id[engine_id] = order_id
        if spec.cl_ord_id:
            self.by_cl_ord_id[spec.cl_ord_id] = order_id
            self.accepted_orders[spec.cl_ord_id] = self.accepted_orders.get(spec.cl_ord_id, 0) + 1

    def _row(self, venue: Listing, order_id: str, spec: NewOrder, status: str, cum: Decimal,
             avg: Decimal | None, transact_ms: int, *, text: str | None = None,
             request: OrderRequest | None = None, stop: Decimal | None = None) -> dict:
        return order_row(
            order_id=order_id, cl_ord_id=spec.cl_ord_id, account=self.config.account_id,
            inst=venue.row, side=spec.side, order_qty=request.qty if request else spec.qty,
            ord_type=spec.ord_type, price=request.price if request else spec.price,
            stop_px=stop if stop is not None else spec.stop_px, peg_offset=spec.peg_offset,
            peg_type=spec.peg_type, time_in_force=spec.wire_tif, exec_inst=spec.exec_inst,
            status=status, cum_qty=cum, avg_px=avg,
            text=text if text is not None else spec.text, transact_ms=transact_ms,
            now_ms=self.now_ms,
        )

    def find(self, order_id: str | None = None, cl_ord_id: str | None = None
             ) -> dict[str, Any] | None:
        if order_id:
            return self.orders.get(order_id)
        if cl_ord_id:
            found = self.by_cl_ord_id.get(cl_ord_id)
            return self.orders.get(found) if found else None
        return None

    def sync_order(self, order_id: str, *, text: str | None = None,
                   exec_type: str | None = None, fill: Fill | None = None) -> dict[str, Any]:
        """Rebuild an order row from the engine; publish the change (and an execution)."""
        old = self.orders[order_id]
        spec, engine_id = self.specs[order_id]
        venue = self.venues[old["symbol"]]
        working = venue.engine.orders.get(engine_id)
        if working is None:
            return old
        snap = working.snapshot()
        stop = None
        if spec.kind is OrderType.TRAILING_STOP and snap.status.is_open and working.best_f:
            stop = venue.inst.round_price(Decimal(repr(working.stop_level)))
        new = self._row(venue, order_id, spec, WIRE_STATUS[snap.status], snap.filled_qty,
                        snap.avg_price, self._transact_ms(old), text=text or old["text"],
                        request=snap.request, stop=stop)
        if fill is not None or exec_type is not None:
            rate = None
            if fill is not None:
                maker = fill.liquidity.value == "maker"
                rate = venue.engine.maker_rate if maker else venue.engine.taker_rate
                venue.fees += fill.fee
            self._execution(new, venue, exec_type or "Trade", fill=fill, rate=rate)
        delta = changed_fields(old, new, ORDER_KEYS)
        self.orders[order_id] = new
        if len(delta) > len(ORDER_KEYS) + 1:  # more than keys + timestamp changed
            self.publish("order", "update", [delta])
        if fill is not None:
            self._shrink_reduce_only(venue)
        return new

    def _shrink_reduce_only(self, venue: Listing) -> None:
        """BitMEX keeps a resting reduce-only order no larger than the position it reduces."""
        working = []
        for order_id, row in self.orders.items():
            spec, engine_id = self.specs[order_id]
            w = venue.engine.open.get(engine_id)
            if row["symbol"] == venue.row["symbol"] and spec.reduce_only and w is not None:
                working.append((order_id, w.is_buy, w.request.qty, w.filled))
        for order_id, qty in oversized_reduce_only(working, venue.engine.position.qty):
            _spec, engine_id = self.specs[order_id]
            venue.engine.amend(engine_id, qty=qty, now_ms=self.now_ms)
            self.sync_order(order_id, exec_type="Replaced")

    @staticmethod
    def _transact_ms(row: dict[str, Any]) -> int:
        return iso_to_ms(row["transactTime"])

    def _execution(self, order: dict, venue: Listing, exec_type: str, *,
                   fill: Fill | None = None, rate: Decimal | None = None) -> None:
        row = execution_row(order, venue.row, exec_type, self.now_ms, fill=fill, rate=rate)
        self.executions.append(row)
        self.publish("execution", "insert", [row])

    def amend(self, order_id: str, qty: Decimal | None, price: Decimal | None,
              stop: Decimal | None) -> dict[str, Any]:
        spec, engine_id = self.specs[order_id]
        venue = self.venues[self.orders[order_id]["symbol"]]
        try:
            venue.engine.amend(engine_id, qty=qty, price=price, stop_price=stop,
                               now_ms=self.now_ms)
        except (OrderRejected, InsufficientFunds) as exc:
            raise ParamError(str(exc)) from None
        if stop is not None:
            self.specs[order_id] = (_replace_stop(spec, stop), engine_id)
        row = self.sync_order(order_id, exec_type="Replaced")
        self.publish_account(venue)
        return row

    def cancel(self, order_id: str, reason: str = "Canceled via API.") -> dict[str, Any]:
        row = self.orders[order_id]
        if row["ordStatus"] in TERMINAL:
            return {**row, "error": f"Unable to cancel order due to existing state: "
                                    f"{row['ordStatus']}"}
        spec, engine_id = self.specs[order_id]
        venue = self.venues[row["symbol"]]
        venue.engine.cancel(engine_id, self.now_ms)
        row = self.sync_order(order_id, text=f"Canceled: {reason}\n{spec.text}",
                              exec_type="Canceled")
        self.publish_account(venue)
        return row

    def cancel_all(self, symbol: str | None = None, side: str | None = None,
                   reason: str = "Canceled via API.") -> list[dict[str, Any]]:
        out = []
        for order_id, row in list(self.orders.items()):
            if row["ordStatus"] in TERMINAL:
                continue
            if (symbol and row["symbol"] != symbol) or (side and row["side"] != side):
                continue
            out.append(self.cancel(order_id, reason))
        return out

    def set_leverage(self, symbol: str, leverage: Decimal) -> dict[str, Any]:
        venue = self.venue(symbol)
        if leverage == 0:
            venue.cross = True
        else:
            try:
                venue.engine.set_leverage(leverage)
            except ConfigError as exc:
                raise ParamError(str(exc)) from None
            venue.cross = False
        return self.publish_account(venue)

    def isolate(self, symbol: str, enabled: bool) -> dict[str, Any]:
        venue = self.venue(symbol)
        venue.cross = not enabled
        return self.publish_account(venue)

    def set_lot_size(self, symbol: str, lot: Decimal) -> dict[str, Any]:
        """The venue changes a contract's lot size (BitMEX raised XBTUSD's from 1 to 100 in
        2021): positions held stay as they are, and one below the new lot is dust."""
        venue = self.venue(symbol)
        if lot <= 0:
            raise ParamError("lotSize must be positive")
        venue.row = {**venue.row, "lotSize": int(lot) if lot == lot.to_integral() else lot}
        venue.inst = venue.engine.instrument = replace(venue.inst, lot_size=lot, min_qty=lot)
        self.instrument_rows[symbol] = venue.row
        return self.instrument_row(symbol)

    # account rows ------------------------------------------------------------------------
    def position_row(self, venue: Listing) -> dict[str, Any]:
        _ours, divisor = self.currencies[venue.row["settlCurrency"]]
        return position_row(venue.row, self.config.account_id, venue.engine, divisor=divisor,
                            fees=venue.fees, cross=venue.cross, now_ms=self.now_ms)

    def _margin_row(self, wire: str) -> dict[str, Any]:
        ours, divisor = self.currencies[wire]
        return margin_row(self.config.account_id, self.account, wire, ours, divisor,
                          self.now_ms)

    def publish_account(self, venue: Listing) -> dict[str, Any]:
        symbol = venue.row["symbol"]
        new = self.position_row(venue)
        old = self.positions.get(symbol)
        self.positions[symbol] = new
        if old is None:
            self.publish("position", "insert", [new])
        else:
            delta = changed_fields(old, new, POSITION_KEYS)
            if len(delta) > len(POSITION_KEYS) + 2:
                self.publish("position", "update", [delta])
        wire = venue.row["settlCurrency"]
        margin = self._margin_row(wire)
        delta = changed_fields(self.margins.get(wire, {}), margin, MARGIN_KEYS)
        self.margins[wire] = margin
        if len(delta) > len(MARGIN_KEYS) + 1:
            self.publish("margin", "update", [delta])
        return new

    # replay ------------------------------------------------------------------------------
    def advance(self, bars: int) -> int:
        """Close the next ``bars`` bars everywhere: match, then publish bins and prices."""
        return replay.advance(self, bars)


def _replace_stop(spec: NewOrder, stop: Decimal) -> NewOrder:
    return replace(spec, stop_px=stop)
