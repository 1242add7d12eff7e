"""REST endpoint handlers of the simulator: parameters in, BitMEX rows out.

Each handler takes the exchange and the merged request parameters and returns JSON-able
data, or raises ParamError (a 400/404 with BitMEX's error body). Routing, authentication,
rate limits and faults live in rest.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plutarc.exchanges.bitmex_sim import market_data
from plutarc.exchanges.bitmex_sim.entry import decimal_param, parse_new_order
from plutarc.exchanges.bitmex_sim.exchange import SimExchange
from plutarc.exchanges.bitmex_sim.params import ParamError, as_bool, as_json, table_query
from plutarc.exchanges.bitmex_sim.rows import TERMINAL

Params = dict[str, Any]
BALANCE_EXEC_TYPES = ("Trade", "Funding", "Settlement", "Liquidation", "Bankruptcy")


def root(ex: SimExchange, params: Params) -> Any:
    return {"name": "BitMEX API", "version": "1.2.0", "timestamp": ex.now_ms}


def instruments(ex: SimExchange, params: Params) -> Any:
    rows = [ex.instrument_row(symbol) for symbol in ex.instrument_rows]
    return table_query(rows, params, ex.config.count_max, time_field="")


def instruments_active(ex: SimExchange, params: Params) -> Any:
    return [ex.instrument_row(symbol) for symbol in ex.instrument_rows]


def trade_bins(ex: SimExchange, params: Params) -> Any:
    symbol = params.get("symbol")
    if not symbol:
        raise ParamError("symbol is required by this simulator for /trade/bucketed")
    listing = ex.venues.get(symbol)
    if listing is None:
        return []
    return market_data.trade_bins(listing.row, listing.market, params, ex.config.count_max)


def funding(ex: SimExchange, params: Params) -> Any:
    rows: list[dict] = []
    for symbol, listing in ex.venues.items():
        rows += market_data.funding_rows(
            symbol, listing.market, ex.config.engine.funding_rate_constant or 0.0,
            ex.config.engine.funding_interval_ms, ex.config.engine.funding_offset_h * 3_600_000)
    return table_query(rows, params, ex.config.count_max)


def _open_filter(row: dict, wanted: Any) -> bool:
    return (row["ordStatus"] not in TERMINAL) == bool(wanted)


def orders(ex: SimExchange, params: Params) -> Any:
    special = {"open": _open_filter,
               "ordStatus.isTerminated": lambda row, v: (row["ordStatus"] in TERMINAL) == bool(v)}
    return table_query(list(ex.orders.values()), params, ex.config.count_max, special=special)


def place_order(ex: SimExchange, params: Params) -> Any:
    listing = ex.venue(params.get("symbol"))
    spec = parse_new_order(params, listing.inst, listing.engine.position.qty)
    return ex.place(listing.row["symbol"], spec)


def amend_order(ex: SimExchange, params: Params) -> Any:
    row = ex.find(params.get("orderID"), params.get("origClOrdID"))
    if row is None:
        raise ParamError("Invalid orderID")
    if params.get("clOrdID") and params.get("clOrdID") != row["clOrdID"]:
        raise ParamError("Renaming clOrdID on amend is not supported by this simulator")
    if row["ordStatus"] in TERMINAL:
        raise ParamError(f"Invalid ordStatus: the order is {row['ordStatus']}")
    qty = decimal_param(params, "orderQty")
    leaves = decimal_param(params, "leavesQty")
    if leaves is not None:
        qty = Decimal(str(row["cumQty"])) + leaves
    price = decimal_param(params, "price")
    stop = decimal_param(params, "stopPx")
    if qty is None and price is None and stop is None:
        raise ParamError("Nothing to amend: give orderQty, leavesQty, price or stopPx")
    listing = ex.venues[row["symbol"]]
    for name, value, step in (("orderQty", qty, listing.inst.lot_size),
                              ("price", price, listing.inst.tick_size),
                              ("stopPx", stop, listing.inst.tick_size)):
        if value is not None and (value <= 0 or value % step):
            raise ParamError(f"Invalid {name}")
    return ex.amend(row["orderID"], qty, price, stop)


def _ids(params: Params, name: str) -> list[str]:
    value = as_json(params.get(name), name) if str(params.get(name, "")).startswith("[") \
        else params.get(name)
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def cancel_order(ex: SimExchange, params: Params) -> Any:
    found = [ex.find(order_id=i) for i in _ids(params, "orderID")]
    found += [ex.find(cl_ord_id=i) for i in _ids(params, "clOrdID")]
    if not found:
        raise ParamError("orderID or clOrdID is required")
    rows = [r for r in found if r is not None]
    if not rows:
        raise ParamError("Not Found", status=404)
    reason = str(params.get("text") or "Canceled via API.")
    return [ex.cancel(r["orderID"], reason) for r in rows]


def cancel_all(ex: SimExchange, params: Params) -> Any:
    wanted = as_json(params.get("filter"), "filter") or {}
    return ex.cancel_all(params.get("symbol") or None, wanted.get("side"),
                         str(params.get("text") or "Canceled via API."))


def positions(ex: SimExchange, params: Params) -> Any:
    return table_query(list(ex.positions.values()), params, ex.config.count_max, time_field="")


def leverage(ex: SimExchange, params: Params) -> Any:
    value = decimal_param(params, "leverage")
    if value is None or value < 0 or value > 100:
        raise ParamError("leverage must be between 0 (cross) and 100")
    return ex.set_leverage(str(params.get("symbol")), value)


def isolate(ex: SimExchange, params: Params) -> Any:
    return ex.isolate(str(params.get("symbol")), as_bool(params.get("enabled"), "enabled", True))


def margin(ex: SimExchange, params: Params) -> Any:
    currency = params.get("currency") or "XBt"
    if currency == "all":
        return list(ex.margins.values())
    if currency not in ex.margins:
        raise ParamError(f"Invalid currency {currency}")
    return ex.margins[currency]


def executions(ex: SimExchange, params: Params) -> Any:
    return table_query(ex.executions, params, ex.config.count_max)


def trade_history(ex: SimExchange, params: Params) -> Any:
    rows = [r for r in ex.executions if r["execType"] in BALANCE_EXEC_TYPES]
    return table_query(rows, params, ex.config.count_max)


# (method, path under /api/v1, handler, needs auth)
ROUTES = (
    ("GET", "", root, False),
    ("GET", "/", root, False),
    ("GET", "/instrument", instruments, False),
    ("GET", "/instrument/active", instruments_active, False),
    ("GET", "/trade/bucketed", trade_bins, False),
    ("GET", "/funding", funding, False),
    ("GET", "/order", orders, True),
    ("POST", "/order", place_order, True),
    ("PUT", "/order", amend_order, True),
    ("DELETE", "/order", cancel_order, True),
    ("DELETE", "/order/all", cancel_all, True),
    ("GET", "/position", positions, True),
    ("POST", "/position/leverage", leverage, True),
    ("POST", "/position/isolate", isolate, True),
    ("GET", "/user/margin", margin, True),
    ("GET", "/execution", executions, True),
    ("GET", "/execution/tradeHistory", trade_history, True),
)
