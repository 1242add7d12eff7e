"""Liquidations in the simulator, as BitMEX reports them to the account.

When a position crosses its liquidation price the venue cancels the symbol's open orders,
then its liquidation engine takes the position over: the account sees each order Canceled,
an execution of execType ``Liquidation`` on the engine's own order (no clOrdID of ours,
ordStatus Filled, the fee and the lost margin in execComm), then the flat position.

What triggers it: the engine checks the traded price path of every bar (open, extremes,
close) and a mark print sent through the control API. BitMEX liquidates on its mark price,
a smoothed fair price; traded extremes reach the liquidation price at least as early, so the
simulator takes the stricter reading. The cancel text is BitMEX's "Canceled: Position in
liquidation" (support.bitmex.com "Why was my order canceled/rejected").
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from plutarc.exchanges.bitmex_sim.listing import Listing
from plutarc.exchanges.bitmex_sim.rows import TERMINAL, execution_row, minor, new_id, order_row
from plutarc.models import Fill, FillKind

if TYPE_CHECKING:
    from plutarc.exchanges.bitmex_sim.exchange import SimExchange

CANCEL_REASON = "Position in liquidation"  # [V] support.bitmex.com cancel texts


def is_liquidation(fill: Fill) -> bool:
    return fill.kind is FillKind.LIQUIDATION


def cancel_open_orders(ex: SimExchange, venue: Listing) -> list[str]:
    """Every working order of the symbol ends Canceled (the engine may have swept some)."""
    symbol, cancelled = venue.row["symbol"], []
    for order_id, row in list(ex.orders.items()):
        if row["symbol"] != symbol or row["ordStatus"] in TERMINAL:
            continue
        spec, engine_id = ex.specs[order_id]
        working = venue.engine.orders.get(engine_id)
        if working is not None and working.snapshot().status.is_open:
            venue.engine.cancel(engine_id, ex.now_ms)
        ex.sync_order(order_id, text=f"Canceled: {CANCEL_REASON}\n{spec.text}",
                      exec_type="Canceled")
        cancelled.append(order_id)
    return cancelled


def liquidation_execution(ex: SimExchange, venue: Listing, fill: Fill) -> dict[str, Any]:
    """The account's execution row of the liquidation engine's order taking the position."""
    _ours, divisor = ex.currencies[venue.row["settlCurrency"]]
    order = order_row(
        order_id=new_id(), cl_ord_id="", account=ex.config.account_id, inst=venue.row,
        side=fill.side, order_qty=fill.qty, ord_type="Limit", price=fill.price, stop_px=None,
        peg_offset=None, peg_type="", time_in_force="ImmediateOrCancel", exec_inst="",
        status="Filled", cum_qty=fill.qty, avg_px=fill.price, text="Liquidation",
        transact_ms=ex.now_ms, now_ms=ex.now_ms)
    row = execution_row(order, venue.row, "Liquidation", ex.now_ms, fill=fill,
                        rate=venue.engine.taker_rate)
    row["execComm"] = minor(Decimal(fill.fee) * divisor)  # taker fee + the margin lost
    return row


def on_liquidation(ex: SimExchange, venue: Listing, fill: Fill) -> dict[str, Any]:
    """Publish a liquidation the engine made: the cancels first, then the execution."""
    cancel_open_orders(ex, venue)
    row = liquidation_execution(ex, venue, fill)
    ex.executions.append(row)
    ex.publish("execution", "insert", [row])
    return row


def mark_print(ex: SimExchange, symbol: str, price: float) -> list[dict[str, Any]]:
    """A mark price between bars: published on the instrument; stops triggered by the mark
    (or index) that it crosses trigger, and a position it carries past its liquidation price
    is liquidated at once. Returns the liquidation executions."""
    venue = ex.venue(symbol)
    ex.publish("instrument", "update", [{"symbol": symbol, "markPrice": price,
                                         "timestamp": ex.instrument_row(symbol)["timestamp"]}])
    was_open = [ex.by_engine_id[c] for c in venue.engine.open if c in ex.by_engine_id]
    fills = venue.engine.mark_print(price, ex.now_ms)
    rows = []
    for fill in fills:
        order_id = ex.by_engine_id.get(fill.client_id)
        if order_id is not None:
            ex.sync_order(order_id, fill=fill)
        elif is_liquidation(fill):
            rows.append(on_liquidation(ex, venue, fill))
    for order_id in was_open:
        ex.sync_order(order_id)
    if fills:
        ex.publish_account(venue)
    return rows
