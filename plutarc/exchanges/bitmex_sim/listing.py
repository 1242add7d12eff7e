"""One replayed symbol of the simulator: its recorded row, our Instrument, bars and engine."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from plutarc.exchanges.bitmex.parse_market import instrument_from_wire
from plutarc.exchanges.bitmex.schemas import WireInstrument
from plutarc.exchanges.bitmex_sim import market_data
from plutarc.exchanges.bitmex_sim.config import SimServerConfig
from plutarc.exchanges.bitmex_sim.market import ReplayMarket
from plutarc.exchanges.sim import SimAccount, SimMatchingEngine
from plutarc.models import Candle, Instrument


class Listing:
    """One replayed symbol: its recorded row, our Instrument, its bars and its engine."""

    def __init__(self, row: dict[str, Any], inst: Instrument, market: ReplayMarket,
                 engine: SimMatchingEngine) -> None:
        self.row = row
        self.inst = inst
        self.market = market
        self.engine = engine
        self.fees = Decimal(0)
        self.cross = False
        self.funding_seen = 0


def contract_candle(row: dict[str, Any], market: ReplayMarket, i: int) -> Candle:
    """Bar ``i`` with its volume in contracts, as the engine meters fills."""
    c = market.candle(i)
    volume = market_data.contracts(row, float(market.base[i]), float(market.quote[i]))
    return Candle(c.ts_ms, c.open, c.high, c.low, c.close, float(volume), c.interval_ms)


def make_listing(row: dict[str, Any], path: Path, config: SimServerConfig, account: SimAccount,
                 currencies: dict[str, tuple[str, int]]) -> Listing:
    """A listing whose engine has already seen the warm-up bars."""
    inst = instrument_from_wire(WireInstrument.of(row), currencies)
    market = ReplayMarket(path, config.warmup_bars)
    engine = SimMatchingEngine(inst, config.engine, account)
    for i in range(market.cursor):
        engine.append_bar(contract_candle(row, market, i))
        engine.process_bar(i)
    return Listing(row, inst, market, engine)
