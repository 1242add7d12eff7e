"""SpecBook: each bot's contract specs (tick, lot, settle currency) as the daemon serves them,
so every screen writes a price, a quantity or an amount the same way."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from plutarc.tui.format import UNKNOWN_CURRENCY, fmt_money, fmt_step

if TYPE_CHECKING:
    from plutarc.daemon.client import DaemonClient
    from plutarc.daemon.store import OrderRecord

# Specs the daemon did not know yet (a venue not asked since it started) are asked again
# at most this often: a bot that starts on the venue makes them known.
UNKNOWN_RETRY_S = 30.0


@dataclass(frozen=True)
class Spec:
    tick: Decimal | None = None
    lot: Decimal | None = None
    currency: str = UNKNOWN_CURRENCY

    def price(self, value: Decimal | None, exact: bool = False) -> str:
        return fmt_step(value, None if exact else self.tick)

    def qty(self, value: Decimal | None, exact: bool = False) -> str:
        return fmt_step(value, None if exact else self.lot)

    def money(self, value: Decimal, exact: bool = False) -> str:
        return fmt_money(value, self.currency, exact)

    def order_price(self, order: OrderRecord, exact: bool = False) -> str:
        """A limit order's price; a stop's trigger ('stop 41000.5', with its limit if any);
        a trailing stop's offset; 'market' for none of them."""
        parts = []
        if order.price is not None:
            parts.append(self.price(order.price, exact))
        if order.stop_price is not None:
            parts.append(f"stop {self.price(order.stop_price, exact)}")
        if order.trail_offset is not None:
            parts.append(f"trail {self.price(order.trail_offset, exact)}")
        return " ".join(parts) or "market"


UNKNOWN = Spec()


class SpecBook:
    """(bot id, symbol) -> Spec, filled from GET /v1/instruments and refreshed when a bot
    or symbol shows up that it has not seen."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, str], Spec] = {}
        self._unknown_since: float | None = None
        self._filled = False

    def get(self, bot_id: str, symbol: str) -> Spec:
        return self._specs.get((bot_id, symbol), UNKNOWN)

    def bot_currencies(self, bot_id: str) -> set[str]:
        return {spec.currency for (bot, _), spec in self._specs.items() if bot == bot_id}

    def fill(self, views: list[Any]) -> None:
        self._filled = True
        self._specs = {(v.bot_id, v.symbol): Spec(v.tick, v.lot, v.settle) for v in views}
        unknown = any(not v.known for v in views)
        self._unknown_since = time.monotonic() if unknown else None

    def wants(self, pairs: set[tuple[str, str]]) -> bool:
        if not self._filled or not pairs <= self._specs.keys():
            return True
        return (self._unknown_since is not None
                and time.monotonic() - self._unknown_since > UNKNOWN_RETRY_S)

    async def ensure(self, client: DaemonClient, pairs: set[tuple[str, str]]) -> None:
        """Ask the daemon once when any of ``pairs`` (bot id, symbol) is new to the book, or
        when the book was never filled (``pairs`` may then be empty: a first read alongside
        the others)."""
        if not self.wants(pairs):
            return
        self.fill(await client.all_instruments())
        for bot_id, symbol in pairs - self._specs.keys():  # a symbol the bot no longer trades
            currencies = self.bot_currencies(bot_id)  # or a deleted bot: not asked again
            currency = currencies.pop() if len(currencies) == 1 else UNKNOWN_CURRENCY
            self._specs[(bot_id, symbol)] = Spec(currency=currency)
