"""The replay clock moving: each closed 1m bar is matched by the engines, then published.

Per bar and symbol: the engine sees the bar (fills, triggered stops, funding, liquidation),
order and execution rows follow (a liquidation as BitMEX reports it, see liquidation.py),
then the closed tradeBin rows (1m, and 5m/1h/1d when the bar ends
one), an instrument price update and a quote; position and margin rows last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plutarc.exchanges.bitmex_sim import market_data
from plutarc.exchanges.bitmex_sim.liquidation import is_liquidation, on_liquidation
from plutarc.exchanges.bitmex_sim.listing import Listing, engine_candle
from plutarc.exchanges.bitmex_sim.rows import execution_row

if TYPE_CHECKING:
    from plutarc.exchanges.bitmex_sim.exchange import SimExchange


def advance(ex: SimExchange, bars: int) -> int:
    """Close the next ``bars`` bars everywhere: match, then publish bins and prices."""
    moved = 0
    for _ in range(bars):
        venues = list(ex.venues.values())
        if any(v.market.cursor >= v.market.n for v in venues):
            break
        for venue in venues:
            _close_bar(ex, venue)
        moved += 1
    return moved


def _close_bar(ex: SimExchange, venue: Listing) -> None:
    market, engine = venue.market, venue.engine
    (i,) = market.advance(1)
    engine.append_bar(engine_candle(market, i))
    was_open = [ex.by_engine_id[cid] for cid in engine.open if cid in ex.by_engine_id]
    fills = engine.process_bar(i)
    for fill in fills:
        order_id = ex.by_engine_id.get(fill.client_id)
        if order_id is not None:
            ex.sync_order(order_id, fill=fill)
        elif is_liquidation(fill):  # the venue's engine order: cancels, then its execution
            for earlier in was_open:
                ex.sync_order(earlier)
            on_liquidation(ex, venue, fill)
    for order_id in was_open:
        ex.sync_order(order_id)
    _funding_executions(ex, venue)
    symbol = venue.row["symbol"]
    for size in market.closes_bins(i):
        b = market.bins(size, market.now_ms, market.now_ms)
        ex.publish(f"tradeBin{size}", "insert", [market_data.bin_row(venue.row, x) for x in b])
    live = ex.instrument_row(symbol)
    ex.publish("instrument", "update", [{
        k: live[k] for k in ("symbol", "lastPrice", "markPrice", "fairPrice", "bidPrice",
                             "askPrice", "midPrice", "timestamp")}])
    ex.publish("quote", "insert", [market_data.quote_row(venue.row, venue.inst, market)])
    if fills or engine.position.qty or was_open:
        ex.publish_account(venue)


def _funding_executions(ex: SimExchange, venue: Listing) -> None:
    payments = venue.engine.funding_payments[venue.funding_seen:]
    venue.funding_seen += len(payments)
    _ours, divisor = ex.currencies[venue.row["settlCurrency"]]
    for pay in payments:
        stub = {"orderID": "00000000-0000-0000-0000-000000000000", "clOrdID": "",
                "clOrdLinkID": "", "account": ex.config.account_id,
                "symbol": venue.row["symbol"], "side": "", "ordType": "",
                "ordStatus": "Filled", "text": "Funding",
                "currency": venue.row.get("quoteCurrency"),
                "settlCurrency": venue.row["settlCurrency"]}
        row = execution_row({k: stub.get(k) for k in _EXEC_ORDER_FIELDS}, venue.row,
                            "Funding", pay.ts_ms)
        row.update(lastQty=float(pay.qty), lastPx=float(pay.price),
                   commission=pay.rate, execComm=round(pay.amount * divisor))
        ex.executions.append(row)
        ex.publish("execution", "insert", [row])


_EXEC_ORDER_FIELDS = (
    "orderID", "clOrdID", "clOrdLinkID", "account", "symbol", "side", "simpleOrderQty",
    "orderQty", "price", "displayQty", "stopPx", "pegOffsetValue", "pegPriceType", "currency",
    "settlCurrency", "ordType", "timeInForce", "execInst", "contingencyType", "exDestination",
    "ordStatus", "triggered", "workingIndicator", "ordRejReason", "simpleLeavesQty",
    "leavesQty", "simpleCumQty", "cumQty", "avgPx", "multiLegReportingType", "text",
)
