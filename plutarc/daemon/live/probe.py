"""What the venue says a live bot has open, asked afresh (for panic's check and ops health)."""

from __future__ import annotations

from collections.abc import Sequence

from plutarc.daemon.live.leg import LiveLeg
from plutarc.daemon.runtime.protocol import AccountView, VenueView
from plutarc.exchanges.base import Venue


async def live_venue_view(bot_id: str, venue: Venue, legs: Sequence[LiveLeg]) -> VenueView:
    """The bot's open orders (its client ids) and the positions on its symbols."""
    symbols = {leg.symbol for leg in legs}
    orders = tuple((o.client_id, o.request.symbol) for o in await venue.open_orders()
                   if o.client_id.startswith(f"{bot_id}-"))
    held = tuple((p.symbol, p.qty) for p in await venue.positions()
                 if p.symbol in symbols and p.qty != 0)
    return VenueView(orders, held)


async def live_account_view(venue: Venue, legs: Sequence[LiveLeg]) -> AccountView:
    """The account's wallet (every bot on it sees the same one) and the open PnL of this
    bot's symbols, by settle currency."""
    wallet = {b.currency: b.total for b in await venue.balances()}
    settles = {leg.symbol: leg.instrument.settle for leg in legs}
    unrealised = tuple((p.symbol, settles[p.symbol], p.unrealised_pnl)
                       for p in await venue.positions() if p.symbol in settles)
    return AccountView(wallet, unrealised, tuple(sorted(set(settles.values()))))
