"""Gemini's answers where ccxt's ``gemini`` class does not give them.

- Markets: ccxt's default lists every symbol by name only (no ticks), and with details on it
  asks for every spot pair too; here only the perpetuals (ids ending ``perp``) are detailed,
  through ccxt's implicit ``/v1/symbols/details/{symbol}``, and parsed by ccxt. ccxt copies
  the price tick into ``contractSize``; a Gemini perpetual's amount is the base coin (one
  contract = 1 BTC on btcgusdperp), so the size is set to 1.
- Positions: ccxt has no ``fetch_positions``; Gemini's POST /v1/positions is called through
  ccxt's implicit method (signed by ccxt) and its rows turned into ccxt's structure (net:
  a negative ``quantity`` is a short).
- An order by our client id: POST /v1/order/status with ``client_order_id`` (ccxt's
  ``fetch_order`` sends the venue's ``order_id`` only). Gemini does not refuse a reused client
  id, so the answer may hold several orders: the newest is ours.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from plutarc.exchanges.ccxt.errors import is_order_not_found
from plutarc.exchanges.ccxt.hooks import VenueHooks

if TYPE_CHECKING:
    from plutarc.exchanges.ccxt.adapter import CcxtVenue


class GeminiHooks(VenueHooks):
    async def load_markets(self, venue: CcxtVenue,
                           params: dict[str, Any]) -> dict[str, dict[str, Any]]:
        ex = venue.exchange
        ids = await venue.call("publicGetV1Symbols", dict(params))
        markets = []
        for market_id in (str(i).lower() for i in ids or []):
            if not market_id.endswith("perp"):
                continue
            details = await venue.call("publicGetV1SymbolsDetailsSymbol", {"symbol": market_id})
            market = ex.parse_market(details)
            if market is not None:
                markets.append({**market, "contractSize": 1.0})
        ex.set_markets(markets)  # ccxt's own calls (create_order...) read this table
        return ex.markets

    async def position_rows(self, venue: CcxtVenue, symbols: list[str] | None,
                            query: dict[str, Any]) -> list[dict[str, Any]]:
        raw = await venue.call("privatePostV1Positions", dict(query))
        rows = raw.get("openPositions", []) if isinstance(raw, dict) else raw or []
        out = []
        for row in rows:
            if str(row.get("instrument_type") or "perp").lower() != "perp":
                continue
            market = venue.exchange.markets_by_id.get(str(row.get("symbol")).lower())
            if not market:
                continue  # a contract we do not list (spot, or not loaded)
            unified = market[0]["symbol"] if isinstance(market, list) else market["symbol"]
            if symbols and unified not in symbols:
                continue
            qty = Decimal(str(row.get("quantity") or 0))
            out.append({"symbol": unified, "contracts": str(abs(qty)),
                        "side": "short" if qty < 0 else "long",
                        "entryPrice": row.get("average_cost"),
                        "markPrice": row.get("mark_price"),
                        "notional": row.get("notional_value"),
                        "unrealizedPnl": row.get("unrealised_pnl"),
                        "realizedPnl": row.get("realised_pnl"), "info": row})
        return out

    async def order_by_client_id(self, venue: CcxtVenue, wire_id: str, unified: str,
                                 extra: dict[str, Any]) -> dict[str, Any] | None:
        try:
            raw = await venue.call("privatePostV1OrderStatus",
                                   {"client_order_id": wire_id, "include_trades": False})
        except Exception as exc:
            if is_order_not_found(exc):
                return None
            raise
        rows = [r for r in (raw if isinstance(raw, list) else [raw])
                if isinstance(r, dict) and r.get("client_order_id") == wire_id]
        if not rows:
            return None
        newest = max(rows, key=lambda r: int(r.get("timestampms") or 0))
        return venue.exchange.parse_order(newest)
