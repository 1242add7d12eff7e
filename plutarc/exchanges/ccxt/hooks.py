"""VenueHooks: the few calls a venue's folder may answer itself where ccxt does not.

The generic ``CcxtVenue`` asks its profile's hooks for its market table, its raw position
rows and an order by our client id; these defaults are ccxt's unified calls. A venue whose
ccxt class lacks one (Gemini has no ``fetch_positions``, and its ``fetch_order`` takes only
the venue's id) subclasses this in ``plutarc/exchanges/<venue>/`` and names the subclass in
its profile: shared code never tests a venue's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plutarc.exchanges.ccxt.errors import is_order_not_found

if TYPE_CHECKING:
    from plutarc.exchanges.ccxt.adapter import CcxtVenue


class VenueHooks:
    """ccxt's unified calls; a venue overrides only what ccxt does not absorb."""

    async def load_markets(self, venue: CcxtVenue,
                           params: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """ccxt's market table (unified symbol -> market), loaded into the exchange."""
        return await venue.call("load_markets", False, params)

    async def position_rows(self, venue: CcxtVenue, symbols: list[str] | None,
                            query: dict[str, Any]) -> list[dict[str, Any]]:
        """Position rows in ccxt's structure (``symbol``, ``contracts``, ``side``...)."""
        return await venue.call("fetch_positions", symbols, query)

    async def order_by_client_id(self, venue: CcxtVenue, wire_id: str, unified: str,
                                 extra: dict[str, Any]) -> dict[str, Any] | None:
        """The venue's order under our (wired) client id in ccxt's structure; None if the
        venue has none."""
        try:
            raw = await venue.call("fetch_order", None, unified,
                                   {**extra, "clientOrderId": wire_id})
        except Exception as exc:
            if not is_order_not_found(exc):
                raise
            return None
        return raw if raw.get("id") else None  # some venues answer an unknown id with success
