"""The instrument list from /instrument/active, loaded at start and refreshed while running,
looked up by either name.

Rows of the typ codes we trade (perpetuals, futures) become Instruments; a row that cannot
be parsed (say an unknown settlement currency) is logged and kept out, and asking for that
symbol later raises an error that says why. Two venue symbols that become the same plutarc
symbol are both kept out the same way (trading either would mix their positions and fills
under one name). ``load(refresh=True)`` reports which instruments' contract terms changed
(tick, lot, multiplier, fees, risk limits): BitMEX changes them (XBTUSD tick 0.5, now 0.1).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from plutarc.errors import DataError, UsageError
from plutarc.exchanges.bitmex.config import BitmexConfig
from plutarc.exchanges.bitmex.feed import Feed
from plutarc.exchanges.bitmex.parse_market import instrument_from_wire, normalise_code
from plutarc.exchanges.bitmex.schemas import WireInstrument
from plutarc.models import Instrument
from plutarc.validation import closest

log = logging.getLogger("plutarc.exchanges.bitmex.instruments")


class InstrumentBook:
    def __init__(
        self,
        config: BitmexConfig,
        get: Callable[..., Awaitable[Any]],
        feed: Feed,
    ) -> None:
        self._config = config
        self._get = get
        self._feed = feed
        self._lock = asyncio.Lock()
        self._loaded: list[Instrument] | None = None
        self.rows: dict[str, WireInstrument] = {}
        self.unusable: dict[str, str] = {}  # venue symbol -> why it was left out
        self.changed: list[tuple[Instrument, Instrument]] = []  # (old, new) at the last load

    async def load(self, refresh: bool = False) -> list[Instrument]:
        async with self._lock:
            if self._loaded is not None and not refresh:
                return self._loaded
            rows = await self._get("/instrument/active")
            before = {i.venue_symbol: i for i in self._loaded or ()}
            instruments, self.rows, self.unusable = [], {}, {}
            for row in rows:
                wire = WireInstrument.of(row)
                if wire.typ not in self._config.instrument_types:
                    continue
                try:
                    instruments.append(instrument_from_wire(wire, self._config.currencies))
                except DataError as exc:
                    self.unusable[wire.symbol] = str(exc)
                    continue
                self.rows[wire.symbol] = wire
            instruments = self._without_collisions(instruments)
            if self.unusable:
                log.error("BitMEX instruments left out: %s", "; ".join(self.unusable.values()))
            self._feed.set_instruments(instruments)
            self._loaded = instruments
            olds = [(before.get(i.venue_symbol), i) for i in instruments]
            self.changed = [(old, i) for old, i in olds if old and terms_changed(old, i)]
            for old, new in self.changed:
                log.warning("BitMEX %s contract terms changed: %s", new.venue_symbol,
                            describe_change(old, new))
            return instruments

    def _without_collisions(self, instruments: list[Instrument]) -> list[Instrument]:
        """Drop every instrument whose plutarc symbol another venue symbol also maps to."""
        by_name: dict[str, list[str]] = {}
        for inst in instruments:
            by_name.setdefault(inst.symbol, []).append(inst.venue_symbol)
        clashes = {name: venue for name, venue in by_name.items() if len(venue) > 1}
        for name, venue in clashes.items():
            why = (f"BitMEX {' and '.join(venue)} both become plutarc symbol {name}; neither "
                   "is loaded, since trading either would mix their orders and positions")
            for symbol in venue:
                self.unusable[symbol] = why
                self.rows.pop(symbol, None)
        return [i for i in instruments if i.symbol not in clashes]

    async def get(self, symbol: str) -> Instrument:
        """By our symbol (BTCUSD) or the venue's (XBTUSD)."""
        await self.load()
        inst = self._feed.by_symbol.get(symbol) or self._feed.instruments.get(symbol)
        if inst is not None:
            return inst
        for venue_symbol, why in self.unusable.items():
            if symbol in (venue_symbol, normalise_code(venue_symbol)):
                raise DataError(f"BitMEX {symbol} cannot be traded here: {why}")
        hint = closest(symbol, self._feed.by_symbol)
        raise UsageError(
            f"unknown BitMEX symbol {symbol!r}" + (f"; did you mean {hint!r}?" if hint else "")
        )

    def symbol_of(self, venue_symbol: str) -> str:
        inst = self._feed.instruments.get(venue_symbol)
        return inst.symbol if inst is not None else normalise_code(venue_symbol)

    async def fresh_row(self, symbol: str) -> WireInstrument:
        """The instrument row as BitMEX has it now (funding, open interest, mark price)."""
        inst = await self.get(symbol)
        rows = await self._get("/instrument", {"symbol": inst.venue_symbol})
        if not rows:
            raise DataError(f"BitMEX returned no instrument row for {inst.venue_symbol}")
        return WireInstrument.of(rows[0])


# Contract terms whose change matters to orders and risk; quote_to_settle is a live rate
# that moves with every refresh and is simply taken.
_TERMS = ("tick_size", "lot_size", "multiplier", "min_qty", "maker_fee", "taker_fee",
          "max_leverage", "maintenance_margin_rate", "kind", "settle")


def terms_changed(old: Instrument, new: Instrument) -> bool:
    return any(getattr(old, name) != getattr(new, name) for name in _TERMS)


def describe_change(old: Instrument, new: Instrument) -> str:
    return ", ".join(f"{name} {getattr(old, name)} -> {getattr(new, name)}" for name in _TERMS
                     if getattr(old, name) != getattr(new, name))
